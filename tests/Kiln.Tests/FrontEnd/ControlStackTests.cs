using Kiln.FrontEnd;
using Kiln.Wasm.Model;

namespace Kiln.Tests.FrontEnd;

/// <summary>The generic control stack: heights, branch types by frame kind, reachability after else and end, tier data by reference.</summary>
public class ControlStackTests
{
    private static readonly ValType[] s_i32 = [ValType.I32];
    private static readonly ValType[] s_i64F32 = [ValType.I64, ValType.F32];

    private struct Probe
    {
        public int Label;
    }

    private static ControlStack<Probe> WithFunction()
    {
        var stack = new ControlStack<Probe>();
        stack.Push(FrameKind.Function, 0, [], s_i32);
        return stack;
    }

    [Fact]
    public void ALoopBranchCarriesItsParametersABlockItsResults()
    {
        ControlStack<Probe> stack = WithFunction();

        stack.Push(FrameKind.Block, 3, s_i64F32, s_i32);
        stack.Push(FrameKind.Loop, 4, s_i32, s_i64F32);

        Assert.Same(s_i32, stack.Target(0).Params);
        Assert.Same(s_i32, stack.Target(0).BranchTypes);
        Assert.Same(s_i32, stack.Target(1).BranchTypes);
        Assert.Same(s_i32, stack.Target(2).BranchTypes);
    }

    [Fact]
    public void HeightIsTheStackBelowTheParameters()
    {
        ControlStack<Probe> stack = WithFunction();

        stack.Push(FrameKind.Block, 5, s_i64F32, []);
        stack.Push(FrameKind.If, 4, s_i32, []);

        Assert.Equal(3, stack[1].Height);
        Assert.Equal(3, stack.Top.Height);
        Assert.Equal(0, stack[0].Height);
        Assert.Equal(2, stack.FrameIndex(0));
        Assert.Equal(0, stack.FrameIndex(2));
    }

    [Fact]
    public void ParametersBelowTheEnclosingFrameAreRefused()
    {
        ControlStack<Probe> stack = WithFunction();
        stack.Push(FrameKind.Block, 1, [], []);

        Assert.Throws<InternalErrorException>(() => stack.Push(FrameKind.Block, 1, s_i64F32, []));
    }

    [Fact]
    public void ADepthBeyondTheOpenFramesIsRefused()
    {
        ControlStack<Probe> stack = WithFunction();
        stack.Push(FrameKind.Block, 0, [], []);

        Assert.Equal(FrameKind.Function, stack.Target(1).Kind);
        Assert.Throws<InternalErrorException>(() => stack.Target(2));
        Assert.Throws<InternalErrorException>(() => stack[2]);
    }

    [Fact]
    public void TierDataIsHeldByReference()
    {
        ControlStack<Probe> stack = WithFunction();
        stack.Push(FrameKind.Block, 0, [], []).Data.Label = 7;
        stack.Push(FrameKind.Loop, 0, [], []);

        stack.Target(1).Data.Label++;

        Assert.Equal(8, stack[1].Data.Label);
        Assert.Equal(0, stack.Top.Data.Label);
    }

    [Fact]
    public void ElseStartsAReachableFalseArm()
    {
        ControlStack<Probe> stack = WithFunction();
        stack.Push(FrameKind.If, 0, [], []);
        stack.MarkUnreachable();

        stack.EnterElse();

        Assert.Equal(FrameKind.Else, stack.Top.Kind);
        Assert.False(stack.Unreachable);
        Assert.Throws<InternalErrorException>(stack.EnterElse);
    }

    [Fact]
    public void AfterAnUnreachableEndTheCodeIsReachableOnlyThroughABranch()
    {
        ControlStack<Probe> stack = WithFunction();

        stack.Push(FrameKind.Block, 0, [], []);
        stack.MarkUnreachable();
        Assert.False(stack.Pop(branchedTo: false));
        Assert.True(stack.Unreachable);

        stack.Push(FrameKind.Block, 0, [], []);
        stack.MarkUnreachable();
        Assert.True(stack.Pop(branchedTo: true));
        Assert.False(stack.Unreachable);

        // A branch to a loop goes to its start: the end is reached by falling through only.
        stack.Push(FrameKind.Loop, 0, [], []);
        stack.MarkUnreachable();
        Assert.False(stack.Pop(branchedTo: true));

        // An if without else reaches its end on the false path.
        stack.Push(FrameKind.If, 0, [], []);
        stack.MarkUnreachable();
        Assert.True(stack.Pop(branchedTo: false));

        // With an else: the then arm that fell through reaches the end; with both arms ending unreachable and no branch, nothing does.
        stack.Push(FrameKind.If, 0, [], []);
        stack.EnterElse();
        stack.MarkUnreachable();
        Assert.True(stack.Pop(branchedTo: false));
        stack.Push(FrameKind.If, 0, [], []);
        stack.MarkUnreachable();
        stack.EnterElse();
        stack.MarkUnreachable();
        Assert.False(stack.Pop(branchedTo: false));
    }

    [Fact]
    public void NothingIsReachableOnceTheFunctionsFrameIsClosed()
    {
        ControlStack<Probe> stack = WithFunction();

        Assert.True(stack.Pop(branchedTo: false));

        Assert.Equal(0, stack.Count);
        Assert.True(stack.Unreachable);
    }
}
