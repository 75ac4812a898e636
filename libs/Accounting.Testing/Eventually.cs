namespace Accounting.Testing;

/// <summary>Polls a condition until it holds or a deadline passes: asynchronous outcomes without sleeping for timing.</summary>
public static class Eventually
{
    public static async Task<bool> HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    public static Task<bool> HoldsAsync(Func<bool> condition, TimeSpan timeout) =>
        HoldsAsync(() => Task.FromResult(condition()), timeout);
}
