namespace Cachka.Internal;

internal static class Values
{
    /// <summary>Unboxes or casts a stored value; a stored null is a value for any nullable <typeparamref name="T"/>.</summary>
    public static bool TryCast<T>(object? stored, out T value)
    {
        if (stored is T typed)
        {
            value = typed;
            return true;
        }

        if (stored is null && default(T) is null)
        {
            value = default!;
            return true;
        }

        value = default!;
        return false;
    }
}
