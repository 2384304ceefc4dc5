using System.Runtime.ExceptionServices;
using Kiln.Wasm.Model;

namespace Kiln.Wasm.Validation;

/// <summary>
/// Function bodies are independent, so a large module's are validated on all cores, in batches,
/// one reused <see cref="FunctionValidator"/> per thread. The error reported is always the one of
/// the lowest function index, exactly as a sequential pass would report it.
/// </summary>
public static partial class ModuleValidator
{
    /// <summary>Below this much code, starting threads costs more than it saves.</summary>
    private const long ParallelCodeThreshold = 256 * 1024;

    private const int BatchSize = 64;

    private static void ValidateBodies(ValidationContext context, Func<int, bool>? skipBody, int? maxDegreeOfParallelism)
    {
        List<FunctionBody> bodies = context.Module.Bodies;
        uint first = (uint)context.ImportedFunctionCount;
        int threads = maxDegreeOfParallelism ?? (CodeSize(bodies, skipBody) >= ParallelCodeThreshold ? Environment.ProcessorCount : 1);
        if (threads <= 1 || bodies.Count <= BatchSize)
        {
            var validator = new FunctionValidator(context);
            for (int i = 0; i < bodies.Count; i++)
            {
                if (skipBody?.Invoke(i) != true)
                {
                    validator.Validate(first + (uint)i);
                }
            }
            return;
        }
        // The lowest failing body so far: later bodies need no validation, earlier ones still do.
        int lowestFailure = int.MaxValue;
        var failures = new ExceptionDispatchInfo?[bodies.Count / BatchSize + 1];
        Parallel.For(
            0,
            failures.Length,
            new ParallelOptions { MaxDegreeOfParallelism = threads },
            () => new FunctionValidator(context),
            (batch, _, validator) =>
            {
                int end = Math.Min(bodies.Count, (batch + 1) * BatchSize);
                for (int i = batch * BatchSize; i < end && i < Volatile.Read(ref lowestFailure); i++)
                {
                    try
                    {
                        if (skipBody?.Invoke(i) != true)
                        {
                            validator.Validate(first + (uint)i);
                        }
                    }
                    catch (Exception e)
                    {
                        failures[batch] = ExceptionDispatchInfo.Capture(e);
                        InterlockedMin(ref lowestFailure, i);
                        break;
                    }
                }
                return validator;
            },
            _ => { });
        if (lowestFailure != int.MaxValue)
        {
            failures[lowestFailure / BatchSize]!.Throw();
        }
    }

    private static long CodeSize(List<FunctionBody> bodies, Func<int, bool>? skipBody)
    {
        long size = 0;
        for (int i = 0; i < bodies.Count; i++)
        {
            size += skipBody?.Invoke(i) == true ? 0 : bodies[i].Code.Length;
        }
        return size;
    }

    private static void InterlockedMin(ref int location, int value)
    {
        int current = Volatile.Read(ref location);
        while (value < current)
        {
            int seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}
