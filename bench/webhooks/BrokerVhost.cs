using System.Diagnostics;
using Accounting.Testing;
using Accounting.Webhooks.Tests;
using Microsoft.AspNetCore.Hosting;

namespace Accounting.Bench.Webhooks;

/// <summary>
/// A RabbitMQ vhost of the benchmark's own on the broker ./dev runs, made and removed with that
/// broker's rabbitmqctl (the broker has no management plugin). Queues that tests or earlier runs
/// left bound to the event exchanges of the default vhost would otherwise receive a copy of every
/// event the benchmark publishes, and messages piling up in them slow the broker down run after run.
/// </summary>
internal sealed class BrokerVhost : IAsyncDisposable
{
    private readonly string envFile;

    private BrokerVhost(string name, string node, string envFile, string uri)
    {
        Name = name;
        Node = node;
        this.envFile = envFile;
        Uri = uri;
    }

    public string Name { get; }

    public string Node { get; }

    public string Uri { get; }

    /// <returns>The vhost, or null (having said why) when the broker is not one this benchmark can give a vhost of its own.</returns>
    public static async Task<BrokerVhost?> CreateAsync(Uri broker)
    {
        var envFile = Path.Combine(Path.GetDirectoryName(TestEnvironment.DevScript)!, ".state", "rabbitmq", "rabbitmq-env.conf");
        if (!File.Exists(envFile))
        {
            Console.Error.WriteLine($"refusing to run: no ./dev RabbitMQ settings at {envFile}; start the servers with `./dev servers start` so the benchmark can create a vhost of its own.");
            return null;
        }

        var settings = File.ReadAllLines(envFile).Where(line => line.Contains('=', StringComparison.Ordinal) && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        if (settings.GetValueOrDefault("RABBITMQ_NODE_PORT") != broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            Console.Error.WriteLine($"refusing to run: the broker at {broker.Host}:{broker.Port} is not the one ./dev runs (port {settings.GetValueOrDefault("RABBITMQ_NODE_PORT")}), so the benchmark cannot create a vhost of its own on it.");
            return null;
        }

        var name = "bench-webhooks-" + Guid.NewGuid().ToString("N")[..8];
        var vhost = new BrokerVhost(name, settings["RABBITMQ_NODENAME"], envFile, new UriBuilder(broker) { Path = "/" + name }.Uri.ToString());
        if (!await vhost.ControlAsync("add_vhost", name) || !await vhost.ControlAsync("set_permissions", "-p", name, broker.UserInfo.Split(':')[0], ".*", ".*", ".*"))
        {
            Console.Error.WriteLine("refusing to run: rabbitmqctl could not create the benchmark's vhost (above).");
            await vhost.DisposeAsync();
            return null;
        }

        return vhost;
    }

    public async ValueTask DisposeAsync() => await ControlAsync("delete_vhost", Name);

    private async Task<bool> ControlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(File.Exists("/usr/lib/rabbitmq/bin/rabbitmqctl") ? "/usr/lib/rabbitmq/bin/rabbitmqctl" : "rabbitmqctl")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add(Node);
        start.ArgumentList.Add("-q");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // As ./dev runs it: the Erlang cookie lives in the broker's own HOME.
        start.Environment["HOME"] = Path.Combine(Path.GetDirectoryName(envFile)!, "home");
        start.Environment["RABBITMQ_CONF_ENV_FILE"] = envFile;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine($"rabbitmqctl {string.Join(' ', arguments)} failed ({process.ExitCode}): {(await error).Trim()}");
        }

        return process.ExitCode == 0;
    }
}

/// <summary>The webhooks service as its tests host it, on the benchmark's own vhost.</summary>
internal sealed class VhostWebhooksFactory(string rabbitMq) : WebhooksFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("ConnectionStrings:RabbitMq", rabbitMq);
    }
}
