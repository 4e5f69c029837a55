namespace System.Runtime.CompilerServices;

// Lets records compile for netstandard2.0.
internal static class IsExternalInit
{
}
