namespace Kiln.Cli.Tests;

public class CompileCommandTests
{
    private const string Wat = """
        (module $demo
          (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
          (func $twice (param i32) (result i32) (call $add (local.get 0) (local.get 0))))
        """;

    [Fact]
    public void DisasmListsEachFunctionByNameWithItsMachineCode()
    {
        string path = Path.Combine(Path.GetTempPath(), $"kiln-compile-{Guid.NewGuid():N}.wat");
        File.WriteAllText(path, Wat);
        try
        {
            var (exit, output) = CliRunner.Run("compile", "--tier", "baseline", "--disasm", path);
            Assert.Equal(0, exit);
            Assert.Matches(@"demo!add: \d+ bytes @ 0x[0-9a-f]+", output);
            Assert.Matches(@"demo!twice: \d+ bytes", output);
            Assert.Contains("push    rbp", output);
            Assert.Matches(@"add\s+e\w\w, ", output);
            // $twice calls $add (defined function 0) through the module's code table.
            Assert.Contains("call    qword ptr [rax]", output);
            Assert.Contains("2 functions", output);
            Assert.Matches(@"compile: [\d.]+ ms wall", output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void InterpreterTierAndBadInputAreClearErrors()
    {
        string path = Path.Combine(Path.GetTempPath(), $"kiln-compile-{Guid.NewGuid():N}.wat");
        File.WriteAllText(path, "(module (func (result i32) (i64.const 1)))");
        try
        {
            Assert.Equal(2, CliRunner.Run("compile", "--tier", "interp", path).ExitCode);
            var (exit, output) = CliRunner.Run("compile", path);
            Assert.Equal(1, exit);
            Assert.Contains("type mismatch", output);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
