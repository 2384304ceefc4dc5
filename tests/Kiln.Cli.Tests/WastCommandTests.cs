namespace Kiln.Cli.Tests;

public class WastCommandTests
{
    private static string WriteScript(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), $"kiln-wast-{Guid.NewGuid():N}.wast");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void PrintsPerFileAndPerKindCountsThenTheTotalLast()
    {
        string path = WriteScript("""
            (module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
            (assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
            (assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))
            (assert_malformed (module quote "(func (i32.bogus))") "unknown operator")
            """);
        try
        {
            var (exit, output) = CliRunner.Run("wast", path);
            string[] lines = output.TrimEnd().Split('\n');
            Assert.Equal(1, exit);
            Assert.Contains(lines, l => l.EndsWith(":3: assert_return: expected [i32:4], got [i32:3]", StringComparison.Ordinal));
            Assert.Contains($"{Path.GetFileName(path)}: 3 passed, 1 failed", lines);
            Assert.Contains("assert_return: 1 passed, 1 failed", lines);
            Assert.Contains("assert_malformed: 1 passed, 0 failed", lines);
            Assert.Equal("wast: 3 passed, 1 failed", lines[^1]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("--no-such-option")]
    [InlineData("no/such/dir/script.wast")]
    public void AMissingPathOrUnknownOptionIsAClearErrorNotACrash(string path)
    {
        var (exit, output) = CliRunner.Run("wast", path);
        Assert.Equal(2, exit);
        Assert.Contains($"kiln wast: no such file or directory: {path}", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void AMissingExpectedFailuresFileIsAClearError()
    {
        string script = WriteScript("(module)");
        try
        {
            var (exit, output) = CliRunner.Run("wast", "--expected-failures", "no/such/list.txt", script);
            Assert.Equal(2, exit);
            Assert.Contains("kiln wast: no such expected-failures file: no/such/list.txt", output);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public void ExpectedFailuresMustFailAndOthersMustPass()
    {
        string script = WriteScript("""
            (module (func (export "one") (result i32) (i32.const 1)))
            (assert_return (invoke "one") (i32.const 2))
            (assert_return (invoke "one") (i32.const 1))
            """);
        string name = Path.GetFileName(script);
        string list = Path.GetTempFileName();
        try
        {
            File.WriteAllText(list, $"{name}:2  deliberately wrong expectation\n");
            Assert.Equal(0, CliRunner.Run("wast", "--expected-failures", list, script).ExitCode);

            File.WriteAllText(list, $"{name}:3  listed but passes\n");
            var (exit, output) = CliRunner.Run("wast", "--expected-failures", list, script);
            Assert.Equal(1, exit);
            Assert.Contains($"{name}:3: listed as failing, but it passed", output);
            Assert.Contains($"{name}:2: assert_return", output);
        }
        finally
        {
            File.Delete(script);
            File.Delete(list);
        }
    }

    [Fact]
    public void TrapsAndExhaustionAreChecked()
    {
        string path = WriteScript("""
            (module
              (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
              (func $loop (export "loop") (call $loop)))
            (assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
            (assert_trap (invoke "div" (i32.const 1) (i32.const 1)) "integer divide by zero")
            (assert_exhaustion (invoke "loop") "call stack exhausted")
            """);
        try
        {
            var (exit, output) = CliRunner.Run("wast", path);
            Assert.Equal(1, exit);
            Assert.Contains("assert_trap: 1 passed, 1 failed", output);
            Assert.Contains("but it succeeded", output);
            Assert.Contains("assert_exhaustion: 1 passed, 0 failed", output);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
