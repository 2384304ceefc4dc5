using Kiln.FrontEnd;
using Kiln.Optimizing;
using Kiln.Optimizing.Ir;
using Kiln.Wasm.Model;
using Kiln.Wasm.Text;
using Kiln.Wasm.Validation;

namespace Kiln.Tests.Optimizing;

/// <summary>Where the optimizing tier's test files live, the bless switch, and WAT → IR for the tests.</summary>
internal static class OptimizingFiles
{
    /// <summary><c>KILN_BLESS=1</c> rewrites expectations instead of comparing, as for the golden listings.</summary>
    public static bool Bless => Environment.GetEnvironmentVariable("KILN_BLESS") == "1";

    public static string Directory(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Kiln.slnx")))
            {
                return Path.Combine(d.FullName, "tests", "Kiln.Tests", "Optimizing", name);
            }
        }
        throw new DirectoryNotFoundException("the repository root (Kiln.slnx) is not above the test output");
    }

    public static TheoryData<string> Names(string directory, string pattern)
    {
        var data = new TheoryData<string>();
        foreach (string path in System.IO.Directory.GetFiles(Directory(directory), pattern).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }
        return data;
    }

    /// <summary>Every defined function of a WAT module as verified IR.</summary>
    public static List<IrFunction> Build(string wat)
    {
        WasmModule model = TextParser.ParseModule(wat);
        var builder = new SsaBuilder(new IndexSpaces(ModuleValidator.Validate(model)));
        var functions = new List<IrFunction>();
        for (int i = 0; i < model.Bodies.Count; i++)
        {
            IrFunction f = builder.Build(i);
            IrVerifier.VerifyOrThrow(f);
            functions.Add(f);
        }
        return functions;
    }

    /// <summary>Compares with the expected file, or writes it when blessing.</summary>
    public static void Check(string expectedPath, string actual)
    {
        if (Bless)
        {
            File.WriteAllText(expectedPath, actual);
            return;
        }
        Assert.True(File.Exists(expectedPath), $"{expectedPath} is missing: run with KILN_BLESS=1 to create it");
        Assert.Equal(File.ReadAllText(expectedPath).ReplaceLineEndings("\n"), actual);
    }
}
