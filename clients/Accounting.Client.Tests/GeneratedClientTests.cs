using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using Accounting.Testing;

namespace Accounting.Client.Tests;

/// <summary>
/// What an API consumer does first: generate a client from the gateway's combined document with a
/// standard generator (Microsoft Kiota), compile it, and call the API with its types alone.
/// </summary>
public sealed class GeneratedClientTests(PublicApi api) : IClassFixture<PublicApi>
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task A_client_generated_by_Kiota_registers_creates_a_key_then_invoices_a_contact_sends_and_is_paid()
    {
        var directory = Directory.CreateTempSubdirectory("accounting-client-");
        try
        {
            var document = Path.Combine(directory.FullName, "openapi.json");
            await File.WriteAllTextAsync(document, await CombinedDocumentAsync());

            var (generated, generation) = await ApiDescriptionTools.GenerateCSharpClientAsync(
                document, Path.Combine(directory.FullName, "Client"), "AccountingClient", "Accounting.Client");
            generated.ShouldBe(0, $"kiota generate failed:\n{generation}");

            var assembly = await BuildFlowAsync(directory.FullName);
            var context = new FlowLoadContext(assembly);
            try
            {
                var run = context.LoadFromAssemblyPath(assembly).GetType("Accounting.ClientFlow.InvoiceFlow", throwOnError: true)!
                    .GetMethod("RunAsync", BindingFlags.Public | BindingFlags.Static)!;
                var flow = (Task<(string Status, decimal Total, decimal AmountPaid, decimal AmountDue)>)run.Invoke(
                    null, [api.Gateway, (Func<string, Task>)api.SeedLedgerOrganisationAsync])!;
                var invoice = await flow;

                invoice.Status.ShouldBe("paid");
                invoice.Total.ShouldBe(120.00m);
                invoice.AmountPaid.ShouldBe(120.00m);
                invoice.AmountDue.ShouldBe(0m);
            }
            finally
            {
                context.Unload();
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private async Task<string> CombinedDocumentAsync()
    {
        using var http = new HttpClient { BaseAddress = api.Gateway };
        var json = await http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        using var parsed = JsonDocument.Parse(json);
        // The document leaves out a service it cannot reach; this client needs auth's paths and the ledger's.
        var paths = parsed.RootElement.GetProperty("paths");
        paths.TryGetProperty("/api/v1/auth/register", out _).ShouldBeTrue("the combined document has no auth paths");
        paths.TryGetProperty("/api/v1/invoices", out _).ShouldBeTrue("the combined document has no ledger paths");
        return json;
    }

    /// <summary>The flow beside the generated client, in a project of its own, built as a consumer would build it.</summary>
    private static async Task<string> BuildFlowAsync(string directory)
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Flow", "InvoiceFlow.cs"), Path.Combine(directory, "InvoiceFlow.cs"));
        // The repository's package versions, the Kiota libraries' among them.
        File.Copy(Path.Combine(TestEnvironment.RepositoryRoot, "Directory.Packages.props"), Path.Combine(directory, "Directory.Packages.props"));
        await File.WriteAllTextAsync(Path.Combine(directory, "ClientFlow.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally>
                <!-- The Kiota libraries beside the flow, where the test loads them from. -->
                <CopyLocalLockFileAssemblies>true</CopyLocalLockFileAssemblies>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.Kiota.Abstractions" />
                <PackageReference Include="Microsoft.Kiota.Http.HttpClientLibrary" />
                <PackageReference Include="Microsoft.Kiota.Serialization.Json" />
                <PackageReference Include="Microsoft.Kiota.Serialization.Text" />
                <PackageReference Include="Microsoft.Kiota.Serialization.Form" />
                <PackageReference Include="Microsoft.Kiota.Serialization.Multipart" />
              </ItemGroup>
            </Project>
            """);

        var output = Path.Combine(directory, "out");
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[] { "build", "ClientFlow.csproj", "-c", "Release", "-o", output, "-nologo", "-clp:ErrorsOnly" })
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        using var cancellation = new CancellationTokenSource(BuildTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellation.Token);
        var stderr = process.StandardError.ReadToEndAsync(cancellation.Token);
        await process.WaitForExitAsync(cancellation.Token);
        process.ExitCode.ShouldBe(0, $"the generated client does not compile:\n{await stdout}{await stderr}");
        return Path.Combine(output, "ClientFlow.dll");
    }

    /// <summary>The built flow with its own dependencies (the Kiota libraries); the framework is shared.</summary>
    private sealed class FlowLoadContext(string assembly) : AssemblyLoadContext(isCollectible: true)
    {
        private readonly AssemblyDependencyResolver resolver = new(assembly);

        protected override Assembly? Load(AssemblyName assemblyName) =>
            resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }
}
