namespace Accounting.Testing;

/// <summary>
/// Where the real servers of a test run are. <c>./dev test</c> starts them and exports these
/// variables; the defaults match the ports <c>./dev</c> uses, so an IDE run works after
/// <c>./dev servers start</c>.
/// </summary>
public static class TestEnvironment
{
    public static string PostgresAdmin { get; } =
        Read("ACCOUNTING_TEST_POSTGRES", "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres");

    public static string RabbitMq { get; } = Read("ACCOUNTING_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:55672/");

    public static string Redis { get; } = Read("ACCOUNTING_TEST_REDIS", "127.0.0.1:56379");

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string DevScript { get; } = Read("ACCOUNTING_DEV_SCRIPT", Path.Combine(RepositoryRoot, "dev"));

    private static string Read(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Accounting.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Tests must run from inside the repository (no Accounting.sln above " + AppContext.BaseDirectory + ").");
    }
}
