using System.Reflection;

namespace Kiln.Tests.Api;

/// <summary>
/// The public API of the runtime assembly (Kiln.Runtime) mentions no type of Kiln.Jit: embedders and the CLI see the
/// runtime's own types only, so the compilers' internals can change without changing the API. Checked by reflection
/// over every public and protected member of every public type: base types and interfaces, fields, properties,
/// events, method and constructor parameters and return types, generic arguments, arrays and pointers included.
/// </summary>
public class PublicApiTests
{
    private static readonly Assembly s_runtime = typeof(Engine).Assembly;

    [Fact]
    public void TheRuntimeAssemblyIsKilnRuntime() =>
        Assert.Equal("Kiln.Runtime", s_runtime.GetName().Name);

    [Fact]
    public void NoPublicMemberMentionsAKilnJitType()
    {
        var leaks = new List<string>();
        foreach (Type type in s_runtime.GetExportedTypes())
        {
            Check(leaks, type.FullName!, type.BaseType);
            foreach (Type i in type.GetInterfaces())
            {
                Check(leaks, $"{type.FullName} implements", i);
            }
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (MemberInfo member in type.GetMembers(all).Where(IsVisible))
            {
                string where = $"{type.FullName}.{member.Name}";
                switch (member)
                {
                    case FieldInfo f:
                        Check(leaks, where, f.FieldType);
                        break;
                    case PropertyInfo p:
                        Check(leaks, where, p.PropertyType);
                        foreach (ParameterInfo index in p.GetIndexParameters())
                        {
                            Check(leaks, where, index.ParameterType);
                        }
                        break;
                    case EventInfo e:
                        Check(leaks, where, e.EventHandlerType);
                        break;
                    case MethodBase m:
                        if (m is MethodInfo method)
                        {
                            Check(leaks, where + " returns", method.ReturnType);
                        }
                        foreach (ParameterInfo parameter in m.GetParameters())
                        {
                            Check(leaks, $"{where}({parameter.Name})", parameter.ParameterType);
                        }
                        if (m.IsGenericMethodDefinition)
                        {
                            foreach (Type constraint in m.GetGenericArguments().SelectMany(a => a.GetGenericParameterConstraints()))
                            {
                                Check(leaks, where + " constraint", constraint);
                            }
                        }
                        break;
                }
            }
        }
        Assert.True(leaks.Count == 0, "public API mentions Kiln.Jit types:\n" + string.Join("\n", leaks));
    }

    [Fact]
    public void TheCheckSeesAJitTypeInsideGenericArgumentsAndArrays()
    {
        var leaks = new List<string>();
        Type jitType = s_runtime.GetReferencedAssemblies().Where(a => a.Name == "Kiln.Jit").Select(Assembly.Load).Single().GetExportedTypes().First(t => !t.IsGenericTypeDefinition);
        Check(leaks, "array", jitType.MakeArrayType());
        Check(leaks, "list", typeof(IReadOnlyList<>).MakeGenericType(jitType));
        Check(leaks, "plain", typeof(IReadOnlyList<int>));
        Assert.Equal(["array", "list"], leaks);
    }

    private static bool IsVisible(MemberInfo member) => member switch
    {
        FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
        MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
        PropertyInfo p => p.GetAccessors(nonPublic: true).Any(a => a.IsPublic || a.IsFamily || a.IsFamilyOrAssembly),
        EventInfo e => e.AddMethod is { } add && (add.IsPublic || add.IsFamily || add.IsFamilyOrAssembly),
        Type t => t.IsNestedPublic || t.IsNestedFamily || t.IsNestedFamORAssem,
        _ => false,
    };

    private static void Check(List<string> leaks, string where, Type? type)
    {
        if (type is not null && MentionsJit(type))
        {
            leaks.Add(where);
        }
    }

    private static bool MentionsJit(Type type)
    {
        if (type.HasElementType)
        {
            return MentionsJit(type.GetElementType()!);
        }
        if (type.IsGenericParameter)
        {
            return false;
        }
        if (type.Assembly.GetName().Name == "Kiln.Jit")
        {
            return true;
        }
        return type.IsGenericType && type.GetGenericArguments().Any(MentionsJit);
    }
}
