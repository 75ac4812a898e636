using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Accounting.Platform.Tests;

/// <summary>
/// Checks the deployment files against the code they deploy: docker-compose.yml, the Dockerfiles,
/// .dockerignore and the kustomize base in deploy/k8s. No Docker engine or cluster is needed, only
/// the docker-compose and kubectl binaries (Debian packages docker-compose and kubernetes-client).
/// The point is to catch drift: a project reference added without its COPY line, a Dockerfile that
/// names a file that moved, a compose variable without a default, a manifest that stops rendering,
/// a setting given to an app by one of `./dev`, docker-compose.yml and deploy/k8s but not the others.
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(2);

    // Files at the repository root that change how restore or build behaves: a Dockerfile has to
    // copy each of them that exists before it runs `dotnet restore`.
    private static readonly string[] RootBuildFiles =
    [
        "global.json",
        "Directory.Build.props",
        "Directory.Build.targets",
        "Directory.Packages.props",
        "NuGet.config",
        "NuGet.Config",
        "nuget.config",
    ];

    // Files at the repository root that set analyzer severities. Warnings are errors in this
    // repository, so an image built without them could fail (or pass) where a local build does not.
    private static readonly string[] RootAnalyzerFiles = [".editorconfig", ".globalconfig"];

    private static readonly string[] SkippedDirectories = ["bin", "obj", ".git", ".state", "node_modules", "TestResults"];

    private static readonly SearchValues<char> Blanks = SearchValues.Create(" \t");

    private static readonly SearchValues<char> GlobCharacters = SearchValues.Create("*?[");

    private static readonly char[] BlankSeparators = [' ', '\t'];

    private static readonly string[] PerAppKinds = ["Deployment", "Service", "PodDisruptionBudget"];

    // Settings each way of running the apps sets its own way, left out when comparing them: the
    // images listen through ASPNETCORE_HTTP_PORTS while ./dev sets ASPNETCORE_URLS, and ./dev passes
    // the caller's OTEL_* through instead of setting them.
    private static readonly string[] HostingSettingPrefixes = ["ASPNETCORE_", "OTEL_"];

    // The gateway's YARP clusters: one per service, named after it, each with one destination.
    private const string ClusterAddressPrefix = "ReverseProxy__Clusters__";
    private const string ClusterAddressSuffix = "__Destinations__primary__Address";

    // Secret files and the one app allowed to read each: where docker-compose.yml keeps it (a named
    // volume the one-shot identity-keys container fills) and where Kubernetes does (a key of a secret).
    private static readonly PrivateKeyFile[] PrivateKeyFiles =
    [
        new("gateway", "InternalIdentity__SigningKeyPath", "identity-private", "accounting-identity-keys", "signing-key.pem"),
        new("auth", "Auth__DataKeyPath", "auth-data-key", "accounting-auth-data-key", "auth-data.key"),
        new("webhooks", "Webhooks__DataKeyPath", "webhooks-data-key", "accounting-webhooks-data-key", "webhooks-data.key"),
        new("reports", "ServiceIdentity__SigningKeyPath", "reports-identity-private", "accounting-reports-identity-keys", "signing-key.pem"),
    ];

    // What every Deployment must say, as rendered: probes on both health endpoints and the
    // hardening the restricted Pod Security Standard and the read-only image rely on.
    private static readonly string[] DeploymentMustContain =
    [
        "path: /health/ready",
        "path: /health/live",
        "runAsNonRoot: true",
        "readOnlyRootFilesystem: true",
        "allowPrivilegeEscalation: false",
        "mountPath: /tmp",
        "limits:",
        "requests:",
    ];

    private readonly string _repoRoot = FindRepoRoot();

    [Fact]
    public void Compose_file_is_valid()
    {
        var result = RunTool("docker-compose", "docker-compose", "config -q");

        result.ExitCode.ShouldBe(0, $"`docker-compose config -q` failed:\n{result.StandardError}");
        // Every ${VAR} needs a development default (${VAR:-default}): an unset variable would
        // silently become an empty password or an empty image tag.
        result.StandardError.Contains("variable is not set", StringComparison.OrdinalIgnoreCase)
            .ShouldBeFalse($"docker-compose warned:\n{result.StandardError}");
    }

    [Fact]
    public void Compose_builds_every_web_app_from_a_dockerfile_that_exists()
    {
        var builds = ComposeBuilds();
        builds.Count.ShouldBeGreaterThan(0, "docker-compose.yml builds no image");

        var problems = new List<string>();
        var published = new HashSet<string>(StringComparer.Ordinal);
        foreach (var build in builds)
        {
            if (!File.Exists(build.DockerfilePath))
            {
                problems.Add($"{build.Service}: Dockerfile {build.DockerfilePath} does not exist");
                continue;
            }

            var project = PublishedProject(build, ParseDockerfile(build.DockerfilePath));
            if (project is null)
            {
                problems.Add($"{build.Service}: {Relative(build.DockerfilePath)} has no `RUN dotnet publish <project>.csproj`");
            }
            else
            {
                published.Add(Relative(project));
            }
        }

        foreach (var webApp in WebAppProjects())
        {
            if (!published.Contains(Relative(webApp)))
            {
                problems.Add($"{Relative(webApp)} is a web app, but no Dockerfile that docker-compose.yml builds publishes it");
            }
        }

        problems.ShouldBeEmpty(string.Join('\n', problems));
    }

    [Fact]
    public void Every_dockerfile_copy_source_exists_and_is_not_dockerignored()
    {
        var ignorePatterns = ReadDockerignore();
        var problems = new List<string>();

        foreach (var build in ExistingDockerfiles())
        {
            foreach (var copy in ParseDockerfile(build.DockerfilePath).Copies)
            {
                if (copy.FromStage)
                {
                    continue; // copies out of another build stage, not out of the build context
                }

                foreach (var source in copy.Sources)
                {
                    var relative = NormalizeContextPath(source);
                    if (!ExistsInContext(build.Context, relative))
                    {
                        problems.Add($"{Relative(build.DockerfilePath)}: COPY source '{source}' does not exist in the build context {build.Context}");
                    }
                    else if (IsDockerignored(relative, ignorePatterns))
                    {
                        problems.Add($"{Relative(build.DockerfilePath)}: COPY source '{source}' is excluded by .dockerignore");
                    }
                }
            }
        }

        problems.ShouldBeEmpty(string.Join('\n', problems));
    }

    [Fact]
    public void Every_dockerfile_copies_its_project_and_all_referenced_projects()
    {
        var ignorePatterns = ReadDockerignore();
        var problems = new List<string>();

        foreach (var build in ExistingDockerfiles())
        {
            var dockerfile = ParseDockerfile(build.DockerfilePath);
            var name = Relative(build.DockerfilePath);
            var app = PublishedProject(build, dockerfile);
            if (app is null || !File.Exists(app))
            {
                problems.Add($"{name}: does not publish an existing .csproj");
                continue;
            }

            var contextSources = dockerfile.Copies
                .Where(copy => !copy.FromStage)
                .SelectMany(copy => copy.Sources.Select(NormalizeContextPath))
                .ToHashSet(StringComparer.Ordinal);

            foreach (var file in RootAnalyzerFiles.Where(file => File.Exists(Path.Combine(_repoRoot, file)) && !contextSources.Contains(file)))
            {
                problems.Add($"{name}: does not COPY {file}, so the image compiles under other analyzer rules than a local build");
            }

            foreach (var project in ProjectClosure(app))
            {
                var projectFile = ContextRelative(build.Context, project);
                var projectDirectory = ContextRelative(build.Context, Path.GetDirectoryName(project)!);

                // The project file on its own, for the restore layer...
                if (!contextSources.Contains(projectFile))
                {
                    problems.Add($"{name}: does not COPY {projectFile}");
                }

                // ...and its directory (or a parent of it), for the sources.
                if (!contextSources.Any(source => CoversPath(source, projectDirectory)))
                {
                    problems.Add($"{name}: does not COPY the sources of {projectDirectory}/");
                }

                if (IsDockerignored(projectFile, ignorePatterns))
                {
                    problems.Add($"{name}: needs {projectFile}, which .dockerignore excludes");
                }
            }
        }

        problems.ShouldBeEmpty(string.Join('\n', problems));
    }

    [Fact]
    public void Every_dockerfile_restores_its_app_project_before_copying_sources()
    {
        var rootBuildFiles = RootBuildFiles.Where(file => File.Exists(Path.Combine(_repoRoot, file))).ToList();
        var problems = new List<string>();

        foreach (var build in ExistingDockerfiles())
        {
            var dockerfile = ParseDockerfile(build.DockerfilePath);
            var name = Relative(build.DockerfilePath);
            var app = PublishedProject(build, dockerfile);
            var restore = dockerfile.Instructions.Find(i => i.Keyword == "RUN" && RestoreCommand().IsMatch(i.Arguments));
            if (app is null || restore is null)
            {
                problems.Add($"{name}: needs both `RUN dotnet restore <app>.csproj` and `RUN dotnet publish <app>.csproj`");
                continue;
            }

            // Restoring the app project, not the solution: the solution would drag in every test
            // project, whose files the image does not (and should not) have.
            var restored = ContextRelative(build.Context, Path.GetFullPath(Path.Combine(build.Context, RestoreCommand().Match(restore.Arguments).Groups["project"].Value)));
            var published = ContextRelative(build.Context, app);
            if (!string.Equals(restored, published, StringComparison.Ordinal))
            {
                problems.Add($"{name}: restores {restored} but publishes {published}");
            }

            var publish = dockerfile.Instructions.Find(i => i.Keyword == "RUN" && PublishCommand().IsMatch(i.Arguments));
            if (publish is not null && !publish.Arguments.Contains("--no-restore", StringComparison.Ordinal))
            {
                problems.Add($"{name}: `dotnet publish` should pass --no-restore (the restore layer already ran)");
            }

            var copiedBeforeRestore = dockerfile.Copies
                .Where(copy => !copy.FromStage && copy.Index < restore.Index)
                .SelectMany(copy => copy.Sources.Select(NormalizeContextPath))
                .ToHashSet(StringComparer.Ordinal);

            foreach (var file in rootBuildFiles.Where(file => !copiedBeforeRestore.Contains(file)))
            {
                problems.Add($"{name}: does not COPY {file} before `dotnet restore`");
            }

            foreach (var project in ProjectClosure(app).Select(project => ContextRelative(build.Context, project)))
            {
                if (!copiedBeforeRestore.Contains(project))
                {
                    problems.Add($"{name}: does not COPY {project} before `dotnet restore`");
                }
            }

            // Only single files before the restore: a directory copied there (source code) would
            // invalidate the restore layer on every edit.
            foreach (var source in copiedBeforeRestore.Where(source => Directory.Exists(Path.Combine(build.Context, source))))
            {
                problems.Add($"{name}: copies the directory '{source}' before `dotnet restore`; copy only project and props files there");
            }
        }

        problems.ShouldBeEmpty(string.Join('\n', problems));
    }

    [Fact]
    public void Every_dockerfile_runs_the_assembly_it_publishes_as_a_non_root_user()
    {
        var problems = new List<string>();

        foreach (var build in ExistingDockerfiles())
        {
            var dockerfile = ParseDockerfile(build.DockerfilePath);
            var name = Relative(build.DockerfilePath);
            var app = PublishedProject(build, dockerfile);
            if (app is null)
            {
                problems.Add($"{name}: publishes no project");
                continue;
            }

            // AssemblyName defaults to the project name; none of the apps overrides it.
            var expectedDll = Path.GetFileNameWithoutExtension(app) + ".dll";
            var entrypoint = dockerfile.Instructions.FindLast(i => i.Keyword == "ENTRYPOINT");
            if (entrypoint is null || !entrypoint.Arguments.Contains($"\"{expectedDll}\"", StringComparison.Ordinal))
            {
                problems.Add($"{name}: ENTRYPOINT should start {expectedDll}, found: {entrypoint?.Arguments ?? "none"}");
            }

            var user = dockerfile.Instructions.FindLast(i => i.Keyword == "USER");
            if (user is null || user.Arguments is "root" or "0" || user.Arguments.StartsWith("0:", StringComparison.Ordinal))
            {
                problems.Add($"{name}: the final stage should switch to a non-root USER (e.g. USER $APP_UID), found: {user?.Arguments ?? "none"}");
            }
        }

        problems.ShouldBeEmpty(string.Join('\n', problems));
    }

    [Fact]
    public void Every_app_in_compose_has_a_readiness_healthcheck()
    {
        var services = ComposeConfig();
        var problems = ComposeBuilds()
            .Where(build => !services[build.Service].Text.Contains("/health/ready", StringComparison.Ordinal))
            .Select(build => $"{build.Service}: no healthcheck on /health/ready (depends_on: service_healthy needs one)")
            .ToList();

        problems.ShouldBeEmpty(string.Join('\n', problems));
    }

    [Fact]
    public void Compose_services_connect_to_their_own_database_with_the_password_postgres_creates()
    {
        var services = ComposeConfig();
        services.TryGetValue("postgres", out var postgres).ShouldBeTrue("docker-compose.yml has no postgres service");
        var postgresEnvironment = postgres!.Environment;

        var withDatabase = services.Values
            .Select(s => (Service: s, ConnectionString: s.Environment.GetValueOrDefault("ConnectionStrings__Postgres")))
            .Where(s => s.ConnectionString is not null)
            .ToList();
        withDatabase.Count.ShouldBeGreaterThan(0, "no compose service sets ConnectionStrings__Postgres");

        var problems = new List<string>();
        foreach (var (service, connectionString) in withDatabase)
        {
            var settings = ParseConnectionString(connectionString!);
            var passwordVariable = $"{service.Name.ToUpperInvariant()}_DB_PASSWORD";

            // Names as deploy/docker/postgres-init/01-create-service-databases.sh creates them.
            Expect(settings, "Database", $"accounting_{service.Name}", service.Name, problems);
            Expect(settings, "Username", $"{service.Name}_svc", service.Name, problems);
            if (!postgresEnvironment.TryGetValue(passwordVariable, out var password))
            {
                problems.Add($"postgres: no {passwordVariable} for the init script to create {service.Name}'s role with");
            }
            else
            {
                Expect(settings, "Password", password, service.Name, problems);
            }
        }

        problems.ShouldBeEmpty(string.Join('\n', problems));

        static void Expect(Dictionary<string, string> settings, string key, string expected, string service, List<string> problems)
        {
            if (!settings.TryGetValue(key, out var actual) || !string.Equals(actual, expected, StringComparison.Ordinal))
            {
                problems.Add($"{service}: ConnectionStrings__Postgres has {key}={actual ?? "(none)"}, expected {expected}");
            }
        }
    }

    [Fact]
    public void Kustomize_base_renders()
    {
        var result = RunTool("kubectl", "kubernetes-client", "kustomize deploy/k8s");

        result.ExitCode.ShouldBe(0, $"`kubectl kustomize deploy/k8s` failed:\n{result.StandardError}");
        result.StandardOutput.ShouldNotBeNullOrWhiteSpace("`kubectl kustomize deploy/k8s` rendered nothing");
    }

    [Fact]
    public void Kustomize_base_lets_only_the_gateway_reach_the_services_and_the_reports_service_only_the_ledger()
    {
        var result = RunTool("kubectl", "kubernetes-client", "kustomize deploy/k8s");
        result.ExitCode.ShouldBe(0, $"`kubectl kustomize deploy/k8s` failed:\n{result.StandardError}");

        var policies = SplitManifests(result.StandardOutput).Where(r => r.Kind == "NetworkPolicy").ToList();
        var policy = policies.Find(r => r.Name == "services-from-gateway-only");

        policy.ShouldNotBeNull("no NetworkPolicy keeps callers other than the gateway away from the services");
        var text = Regex.Replace(policy.Text, @"\s+", " ");
        text.ShouldContain("podSelector: matchLabels: app.kubernetes.io/component: service");
        text.ShouldContain("from: - podSelector: matchLabels: app.kubernetes.io/name: gateway");
        text.ShouldContain("policyTypes: - Ingress");

        // The one exception: the reports service may reach the ledger (its internal feed), and nothing else.
        var others = policies.Where(r => r.Name != policy.Name).ToList();
        others.Select(r => r.Name).ShouldBe(["ledger-from-reports"]);
        var reports = Regex.Replace(others[0].Text, @"\s+", " ");
        reports.ShouldContain("podSelector: matchLabels: app.kubernetes.io/name: ledger");
        reports.ShouldContain("from: - podSelector: matchLabels: app.kubernetes.io/name: reports");
    }

    [Fact]
    public void Kustomize_base_deploys_every_compose_app_safely_and_holds_no_secret_values()
    {
        var result = RunTool("kubectl", "kubernetes-client", "kustomize deploy/k8s");
        result.ExitCode.ShouldBe(0, $"`kubectl kustomize deploy/k8s` failed:\n{result.StandardError}");

        var resources = SplitManifests(result.StandardOutput);
        var createdSecrets = SecretsCreatedByReadme();
        var problems = new List<string>();

        // Secret values come from `kubectl create secret` (see deploy/k8s/README.md), never from the repo.
        problems.AddRange(resources.Where(r => r.Kind == "Secret").Select(r => $"Secret {r.Name} is rendered from the repository"));

        foreach (var app in ComposeBuilds().Select(build => build.Service))
        {
            foreach (var kind in PerAppKinds)
            {
                if (!resources.Exists(r => r.Kind == kind && r.Name == app))
                {
                    problems.Add($"{app}: no {kind} named {app}");
                }
            }

            var deployment = resources.Find(r => r.Kind == "Deployment" && r.Name == app);
            if (deployment is null)
            {
                continue;
            }

            foreach (var required in DeploymentMustContain)
            {
                if (!deployment.Text.Contains(required, StringComparison.Ordinal))
                {
                    problems.Add($"Deployment {app}: missing `{required}`");
                }
            }

            foreach (Match secret in SecretReference().Matches(deployment.Text))
            {
                var secretName = secret.Groups["name"].Value;
                if (!createdSecrets.ContainsKey(secretName))
                {
                    problems.Add($"Deployment {app}: uses secret {secretName}, which README.md does not tell anyone to create");
                }
            }

            // ...and every key read from one is a key README.md's command puts into it.
            var pod = PodOf(deployment);
            var secretKeys = pod.Env
                .Where(variable => variable.SecretName is not null)
                .Select(variable => (Secret: variable.SecretName!, Key: variable.SecretKey ?? ""))
                .Concat(pod.SecretMounts.SelectMany(mount => (mount.Items ?? []).Select(item => (Secret: mount.SecretName, item.Key))));
            foreach (var (secretName, key) in secretKeys)
            {
                if (createdSecrets.TryGetValue(secretName, out var keys) && !keys.Contains(key))
                {
                    problems.Add($"Deployment {app}: reads key {key} of secret {secretName}, which README.md's `kubectl create secret` does not create");
                }
            }
        }

        var ingresses = resources.Where(r => r.Kind == "Ingress").ToList();
        if (ingresses.Count != 1 || ingresses[0].Name != "gateway")
        {
            problems.Add($"expected exactly one Ingress, for the gateway; found: {string.Join(", ", ingresses.Select(i => i.Name))}");
        }

        problems.ShouldBeEmpty(string.Join('\n', problems));
    }

    [Fact]
    public void Dev_script_compose_and_kubernetes_give_each_app_the_same_settings()
    {
        var compose = ComposeConfig();
        var pods = KustomizePods();
        var problems = new List<string>();

        foreach (var app in ComposeBuilds().Select(build => build.Service))
        {
            if (!pods.TryGetValue(app, out var pod))
            {
                problems.Add($"{app}: no Deployment in deploy/k8s");
                continue;
            }

            var sources = new (string Where, HashSet<string> Settings)[]
            {
                ("./dev", AppSettings(DevScriptEnvironment(app).Keys)),
                ("docker-compose.yml", AppSettings(compose[app].Environment.Keys)),
                ("deploy/k8s", AppSettings(pod.Env.Select(variable => variable.Name))),
            };

            foreach (var setting in sources.SelectMany(source => source.Settings).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                var missing = sources.Where(source => !source.Settings.Contains(setting)).Select(source => source.Where).ToList();
                if (missing.Count > 0)
                {
                    var setBy = sources.Where(source => source.Settings.Contains(setting)).Select(source => source.Where);
                    problems.Add($"{app}: {setting} is set by {string.Join(" and ", setBy)} but not by {string.Join(" and ", missing)}");
                }
            }
        }

        problems.ShouldBeEmpty(string.Join('\n', problems));

        static HashSet<string> AppSettings(IEnumerable<string> names) =>
            names.Where(name => !HostingSettingPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)))
                .ToHashSet(StringComparer.Ordinal);
    }

    [Fact]
    public void Gateway_routes_each_cluster_to_the_service_of_that_name()
    {
        var services = ComposeBuilds().Select(build => build.Service).Where(app => app != "gateway").ToList();
        services.Count.ShouldBeGreaterThan(0, "docker-compose.yml builds no service besides the gateway");

        var compose = ComposeConfig();
        var resources = KustomizeResources();
        var pods = KustomizePods(resources);
        var configMap = resources
            .Where(r => r.Kind == "ConfigMap" && r.Name.StartsWith("accounting-config", StringComparison.Ordinal))
            .Select(r => YamlMap(ParseYaml(r.Text), "data"))
            .FirstOrDefault() ?? [];
        pods.TryGetValue("gateway", out var gatewayPod).ShouldBeTrue("deploy/k8s has no gateway Deployment");

        // Where each service listens under ./dev: its own ASPNETCORE_URLS.
        var devUrls = services.ToDictionary(
            app => app,
            app => DevScriptEnvironment(app).GetValueOrDefault("ASPNETCORE_URLS")?.Split(';')[0].TrimEnd('/'),
            StringComparer.Ordinal);

        var sources = new (string Where, Dictionary<string, string?> Settings, Func<string, string?> Expected)[]
        {
            ("./dev", DevScriptEnvironment("gateway").ToDictionary(e => e.Key, e => (string?)e.Value, StringComparer.Ordinal), app => devUrls[app]),
            ("docker-compose.yml", compose["gateway"].Environment.ToDictionary(e => e.Key, e => (string?)e.Value, StringComparer.Ordinal), app => $"http://{app}:8080"),
            ("deploy/k8s", gatewayPod!.Env.ToDictionary(
                variable => variable.Name,
                variable => variable.Value ?? (variable.ConfigMapKey is null ? null : configMap.GetValueOrDefault(variable.ConfigMapKey) as string),
                StringComparer.Ordinal), app => $"http://{app}:8080"),
        };

        var problems = new List<string>();
        foreach (var (where, settings, expected) in sources)
        {
            foreach (var app in services)
            {
                var setting = ClusterAddressPrefix + app + ClusterAddressSuffix;
                var address = settings.GetValueOrDefault(setting)?.TrimEnd('/');
                if (address is null || !string.Equals(address, expected(app), StringComparison.Ordinal))
                {
                    problems.Add($"{where}: gateway's {setting} is {address ?? "(not set)"}, expected {expected(app)}");
                }
            }

            var unknownClusters = settings.Keys
                .Where(key => key.StartsWith(ClusterAddressPrefix, StringComparison.Ordinal))
                .Where(key => !services.Exists(app => key == ClusterAddressPrefix + app + ClusterAddressSuffix));
            problems.AddRange(unknownClusters.Select(key => $"{where}: gateway sets {key}, which is no service's cluster"));

            // The routing's former home; the gateway no longer reads it.
            problems.AddRange(settings.Keys
                .Where(key => key.StartsWith("Services__", StringComparison.Ordinal))
                .Select(key => $"{where}: gateway sets {key}; routing is ReverseProxy__Clusters__<service>{ClusterAddressSuffix} now"));
        }

        problems.ShouldBeEmpty(string.Join('\n', problems));
    }

    [Fact]
    public void Gateway_routes_nothing_under_internal()
    {
        // The services' /internal endpoints are for each other only (auth's for the gateway itself,
        // the ledger's feed for the reports service): no public route may lead there, whatever follows.
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(_repoRoot, "gateway", "Accounting.Gateway", "appsettings.json")));
        var routes = settings.RootElement.GetProperty("ReverseProxy").GetProperty("Routes").EnumerateObject().ToList();
        routes.ShouldNotBeEmpty();

        var problems = routes
            .Select(route => (route.Name, Path: route.Value.GetProperty("Match").GetProperty("Path").GetString() ?? ""))
            .Where(route => !route.Path.StartsWith("/api/v1/", StringComparison.Ordinal) && route.Path != "/.well-known/jwks.json")
            .Select(route => $"route {route.Name} matches {route.Path}, which is neither under /api/v1/ nor the JWKS")
            .Concat(routes
                .Where(route => route.Value.TryGetProperty("Transforms", out _))
                .Select(route => $"route {route.Name} transforms its path, so it could forward to another one"))
            .ToList();

        problems.ShouldBeEmpty(string.Join('\n', problems));
    }

    [Fact]
    public void Each_private_key_file_reaches_only_the_app_that_reads_it()
    {
        var compose = ComposeConfig();
        var pods = KustomizePods();
        var problems = new List<string>();

        foreach (var key in PrivateKeyFiles)
        {
            foreach (var app in ComposeBuilds().Select(build => build.Service))
            {
                // docker-compose.yml: the named volume holding the file, read-only, in its app only.
                var mounts = compose[app].Volumes.Select(ParseComposeVolume).Where(mount => mount.Source == key.ComposeVolume).ToList();
                if (app != key.App)
                {
                    problems.AddRange(mounts.Select(_ => $"docker-compose.yml: {app} mounts the volume {key.ComposeVolume}, which holds {key.App}'s {key.Setting} file"));
                }
                else if (mounts.Count == 0)
                {
                    problems.Add($"docker-compose.yml: {app} does not mount the volume {key.ComposeVolume} its {key.Setting} file is in");
                }
                else
                {
                    problems.AddRange(mounts.Where(mount => !mount.ReadOnly).Select(mount => $"docker-compose.yml: {app} mounts {key.ComposeVolume} writable; it only reads it"));
                    var path = compose[app].Environment.GetValueOrDefault(key.Setting);
                    if (path is null || !mounts.Exists(mount => path.StartsWith(mount.Target.TrimEnd('/') + "/", StringComparison.Ordinal)))
                    {
                        problems.Add($"docker-compose.yml: {app}'s {key.Setting} ({path ?? "not set"}) is not inside its {key.ComposeVolume} mount");
                    }
                }

                // deploy/k8s: the secret key projected into its app's pod only (a secret volume
                // without items projects every key of the secret).
                if (!pods.TryGetValue(app, out var pod))
                {
                    continue; // reported by Kustomize_base_deploys_every_compose_app_safely_and_holds_no_secret_values
                }

                var files = pod.SecretMounts
                    .Where(mount => mount.SecretName == key.Secret)
                    .SelectMany(mount => (mount.Items ?? [(key.SecretKey, key.SecretKey)])
                        .Where(item => item.Key == key.SecretKey)
                        .Select(item => $"{mount.MountPath.TrimEnd('/')}/{item.Path}"))
                    .ToList();
                var variables = pod.Env.Where(variable => variable.SecretName == key.Secret && variable.SecretKey == key.SecretKey).ToList();
                if (app != key.App)
                {
                    problems.AddRange(files.Select(file => $"deploy/k8s: {app} mounts {key.SecretKey} of {key.Secret} (at {file}), which only {key.App} may read"));
                    problems.AddRange(variables.Select(variable => $"deploy/k8s: {app} reads {key.SecretKey} of {key.Secret} into {variable.Name}, which only {key.App} may read"));
                }
                else
                {
                    var path = pod.Env.Find(variable => variable.Name == key.Setting)?.Value;
                    if (path is null || !files.Contains(path, StringComparer.Ordinal))
                    {
                        problems.Add($"deploy/k8s: {app}'s {key.Setting} ({path ?? "not set"}) is not where {key.SecretKey} of {key.Secret} is mounted ({(files.Count == 0 ? "nowhere" : string.Join(", ", files))})");
                    }
                }
            }
        }

        problems.ShouldBeEmpty(string.Join('\n', problems));
    }

    // ---- the repository -------------------------------------------------------------------

    private static string FindRepoRoot()
    {
        // .NET 10's `dotnet new sln` writes Accounting.slnx; accept either form of the solution.
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Accounting.sln")) || File.Exists(Path.Combine(directory.FullName, "Accounting.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Accounting.sln found in {AppContext.BaseDirectory} or any directory above it.");
    }

    private string Relative(string path) => Path.GetRelativePath(_repoRoot, path).Replace('\\', '/');

    private static string ContextRelative(string context, string path) => Path.GetRelativePath(context, path).Replace('\\', '/');

    // Deployed apps live under gateway/ and services/; bench/ holds load-test helpers that never ship.
    private List<string> WebAppProjects() =>
        EnumerateProjects(_repoRoot)
            .Where(project => Relative(project).Split('/')[0] is "gateway" or "services")
            .Where(project => string.Equals((string?)XDocument.Load(project).Root?.Attribute("Sdk"), "Microsoft.NET.Sdk.Web", StringComparison.OrdinalIgnoreCase))
            .ToList();

    private static IEnumerable<string> EnumerateProjects(string directory)
    {
        foreach (var project in Directory.EnumerateFiles(directory, "*.csproj"))
        {
            yield return project;
        }

        foreach (var child in Directory.EnumerateDirectories(directory))
        {
            if (SkippedDirectories.Contains(Path.GetFileName(child), StringComparer.Ordinal))
            {
                continue;
            }

            foreach (var project in EnumerateProjects(child))
            {
                yield return project;
            }
        }
    }

    /// <summary>The project and every project it references, directly or not (full paths).</summary>
    private static List<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(Path.GetFullPath(project));
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            if (!seen.Add(current) || !File.Exists(current))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(current)!;
            foreach (var reference in XDocument.Load(current).Descendants("ProjectReference"))
            {
                var include = (string?)reference.Attribute("Include");
                if (!string.IsNullOrWhiteSpace(include))
                {
                    pending.Push(Path.GetFullPath(Path.Combine(directory, include.Replace('\\', '/'))));
                }
            }
        }

        return [.. seen.Order(StringComparer.Ordinal)];
    }

    // ---- docker-compose -------------------------------------------------------------------

    private sealed record ComposeService(string Name, string Text, Dictionary<string, string> Environment, List<string> Volumes, string? BuildContext, string? Dockerfile);

    private sealed record ComposeVolume(string Source, string Target, bool ReadOnly);

    /// <summary>A volume in the short syntax `docker-compose config` prints: source:target[:mode].</summary>
    private static ComposeVolume ParseComposeVolume(string volume)
    {
        var parts = volume.Split(':');
        return parts.Length switch
        {
            1 => new ComposeVolume("", parts[0], false),
            2 => new ComposeVolume(parts[0], parts[1], false),
            _ => new ComposeVolume(parts[0], parts[1], parts[2].Split(',').Contains("ro", StringComparer.Ordinal)),
        };
    }

    private sealed record ComposeBuild(string Service, string Context, string DockerfilePath);

    /// <summary>
    /// The services of `docker-compose config`: the file as compose itself reads it, with anchors
    /// merged, variables interpolated and paths made absolute. docker-compose 1.29 (Debian's) has no
    /// JSON output, so this reads its YAML, which is regular: two spaces per level, a service at
    /// level 1, its keys at level 2, build and environment entries at level 3.
    /// </summary>
    private Dictionary<string, ComposeService> ComposeConfig()
    {
        var result = RunTool("docker-compose", "docker-compose", "config");
        result.ExitCode.ShouldBe(0, $"`docker-compose config` failed:\n{result.StandardError}");

        var services = new Dictionary<string, ComposeService>(StringComparer.Ordinal);
        var inServices = false;
        string? name = null;
        string? section = null;
        var text = new StringBuilder();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var volumes = new List<string>();
        string? context = null;
        string? dockerfile = null;

        void Flush()
        {
            if (name is not null)
            {
                services[name] = new ComposeService(name, text.ToString(), environment, volumes, context, dockerfile);
            }

            name = null;
            section = null;
            text = new StringBuilder();
            environment = new Dictionary<string, string>(StringComparer.Ordinal);
            volumes = [];
            context = null;
            dockerfile = null;
        }

        foreach (var line in result.StandardOutput.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var indent = line.Length - line.TrimStart(' ').Length;
            var content = line.Trim();
            if (indent == 0)
            {
                Flush();
                inServices = content == "services:";
                continue;
            }

            if (!inServices)
            {
                continue;
            }

            if (indent == 2)
            {
                Flush();
                name = content.TrimEnd(':');
                continue;
            }

            text.AppendLine(line);
            var (key, value) = SplitYamlEntry(content);
            if (indent == 4 && content.StartsWith("- ", StringComparison.Ordinal))
            {
                // An item of the list under the last key (compose prints lists at the key's indentation).
                if (section == "volumes")
                {
                    volumes.Add(UnquoteYaml(content[2..].Trim()));
                }
            }
            else if (indent == 4)
            {
                section = key;
                if (key == "build" && value.Length > 0)
                {
                    context = value; // short form: `build: <context>`
                }
            }
            else if (indent == 6 && section == "volumes" && content.StartsWith("- ", StringComparison.Ordinal))
            {
                volumes.Add(UnquoteYaml(content[2..].Trim()));
            }
            else if (indent == 6 && section == "build")
            {
                if (key == "context")
                {
                    context = value;
                }
                else if (key == "dockerfile")
                {
                    dockerfile = value;
                }
            }
            else if (indent == 6 && section == "environment")
            {
                if (content.StartsWith("- ", StringComparison.Ordinal))
                {
                    // list form: `- KEY=value`
                    var item = content[2..];
                    var equals = item.IndexOf('=', StringComparison.Ordinal);
                    if (equals > 0)
                    {
                        environment[item[..equals]] = item[(equals + 1)..];
                    }
                }
                else
                {
                    environment[key] = value;
                }
            }
        }

        Flush();
        services.Count.ShouldBeGreaterThan(0, "`docker-compose config` printed no services");
        return services;
    }

    private List<ComposeBuild> ComposeBuilds() =>
        ComposeConfig().Values
            .Where(service => service.BuildContext is not null)
            .Select(service => new ComposeBuild(
                service.Name,
                Path.GetFullPath(service.BuildContext!),
                Path.GetFullPath(Path.Combine(service.BuildContext!, service.Dockerfile ?? "Dockerfile"))))
            .OrderBy(build => build.Service, StringComparer.Ordinal)
            .ToList();

    private List<ComposeBuild> ExistingDockerfiles()
    {
        var builds = ComposeBuilds();
        builds.Count.ShouldBeGreaterThan(0, "docker-compose.yml builds no image");
        var missing = builds.Where(build => !File.Exists(build.DockerfilePath)).Select(build => build.DockerfilePath).ToList();
        missing.ShouldBeEmpty($"Dockerfiles named in docker-compose.yml are missing: {string.Join(", ", missing)}");
        return builds;
    }

    private static (string Key, string Value) SplitYamlEntry(string content)
    {
        if (content.EndsWith(':'))
        {
            return (content[..^1], "");
        }

        var separator = content.IndexOf(": ", StringComparison.Ordinal);
        return separator < 0 ? (content, "") : (content[..separator], UnquoteYaml(content[(separator + 2)..]));
    }

    private static string UnquoteYaml(string value)
    {
        if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
        {
            return value[1..^1].Replace("''", "'", StringComparison.Ordinal);
        }

        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            return value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }

        return value;
    }

    private static Dictionary<string, string> ParseConnectionString(string connectionString)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                settings[part[..equals].Trim()] = part[(equals + 1)..].Trim();
            }
        }

        return settings;
    }

    // ---- Dockerfiles ----------------------------------------------------------------------

    private sealed record Instruction(int Index, string Keyword, string Arguments);

    private sealed record Copy(int Index, List<string> Sources, bool FromStage);

    private sealed record Dockerfile(List<Instruction> Instructions, List<Copy> Copies);

    private static Dockerfile ParseDockerfile(string path)
    {
        var instructions = new List<Instruction>();
        var current = new StringBuilder();
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            // Comment lines may sit inside a continued instruction too; Docker drops them.
            if (line.StartsWith('#') || (line.Length == 0 && current.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current.Append(line.AsSpan(0, line.Length - 1)).Append(' ');
                continue;
            }

            current.Append(line);
            var instruction = current.ToString().Trim();
            current.Clear();
            if (instruction.Length == 0)
            {
                continue;
            }

            var space = instruction.AsSpan().IndexOfAny(Blanks);
            var keyword = (space < 0 ? instruction : instruction[..space]).ToUpperInvariant();
            var arguments = space < 0 ? "" : instruction[(space + 1)..].Trim();
            instructions.Add(new Instruction(instructions.Count, keyword, arguments));
        }

        var copies = instructions
            .Where(i => i.Keyword is "COPY" or "ADD")
            .Select(ParseCopy)
            .ToList();
        return new Dockerfile(instructions, copies);
    }

    private static Copy ParseCopy(Instruction instruction)
    {
        var words = instruction.Arguments.Split(BlankSeparators, StringSplitOptions.RemoveEmptyEntries).ToList();
        var flags = words.TakeWhile(word => word.StartsWith("--", StringComparison.Ordinal)).ToList();
        var rest = string.Join(' ', words.Skip(flags.Count));
        var fromStage = flags.Exists(flag => flag.StartsWith("--from=", StringComparison.Ordinal));

        // Exec form: COPY ["src", "dest"]; shell form: COPY src... dest.
        var paths = rest.StartsWith('[')
            ? JsonSerializer.Deserialize<List<string>>(rest) ?? []
            : [.. rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        var sources = paths.Count > 1 ? paths.GetRange(0, paths.Count - 1) : [];
        return new Copy(instruction.Index, sources, fromStage);
    }

    /// <summary>The full path of the project the Dockerfile publishes, or null.</summary>
    private static string? PublishedProject(ComposeBuild build, Dockerfile dockerfile)
    {
        var publish = dockerfile.Instructions.Find(i => i.Keyword == "RUN" && PublishCommand().IsMatch(i.Arguments));
        return publish is null
            ? null
            : Path.GetFullPath(Path.Combine(build.Context, PublishCommand().Match(publish.Arguments).Groups["project"].Value));
    }

    private static string NormalizeContextPath(string source)
    {
        var path = source.Replace('\\', '/');
        while (path.StartsWith("./", StringComparison.Ordinal))
        {
            path = path[2..];
        }

        path = path.TrimStart('/').TrimEnd('/');
        return path.Length == 0 ? "." : path;
    }

    private static bool ExistsInContext(string context, string relative)
    {
        var full = Path.Combine(context, relative);
        if (relative.AsSpan().IndexOfAny(GlobCharacters) < 0)
        {
            return File.Exists(full) || Directory.Exists(full);
        }

        // A wildcard in the last segment (e.g. COPY *.props ./): at least one match.
        var directory = Path.GetDirectoryName(full)!;
        return Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory, Path.GetFileName(full)).Any();
    }

    /// <summary>Whether COPY of <paramref name="source"/> brings <paramref name="path"/> along.</summary>
    private static bool CoversPath(string source, string path) =>
        source == "." || source == path || path.StartsWith(source + "/", StringComparison.Ordinal);

    // ---- .dockerignore --------------------------------------------------------------------

    private List<string> ReadDockerignore()
    {
        var file = Path.Combine(_repoRoot, ".dockerignore");
        return File.Exists(file)
            ? File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList()
            : [];
    }

    /// <summary>
    /// Docker's rules, as far as these files use them: patterns are relative to the context root,
    /// '*' and '?' stay within one path segment, '**' spans any number of segments, a pattern that
    /// matches a directory excludes everything under it, and a later '!pattern' re-includes.
    /// </summary>
    private static bool IsDockerignored(string relativePath, List<string> patterns)
    {
        var excluded = false;
        foreach (var raw in patterns)
        {
            var negate = raw.StartsWith('!');
            var pattern = NormalizeContextPath(negate ? raw[1..].Trim() : raw);
            var regex = new Regex("^" + GlobToRegex(pattern) + "$", RegexOptions.CultureInvariant);

            // The path itself or any directory above it.
            var candidate = relativePath;
            while (true)
            {
                if (regex.IsMatch(candidate))
                {
                    excluded = !negate;
                    break;
                }

                var slash = candidate.LastIndexOf('/');
                if (slash < 0)
                {
                    break;
                }

                candidate = candidate[..slash];
            }
        }

        return excluded;
    }

    private static string GlobToRegex(string glob)
    {
        var regex = new StringBuilder();
        for (var i = 0; i < glob.Length; i++)
        {
            var rest = glob.AsSpan(i);
            if (rest.StartsWith("**/", StringComparison.Ordinal))
            {
                regex.Append("(?:.*/)?");
                i += 2;
            }
            else if (rest.StartsWith("**", StringComparison.Ordinal))
            {
                regex.Append(".*");
                i += 1;
            }
            else if (glob[i] == '*')
            {
                regex.Append("[^/]*");
            }
            else if (glob[i] == '?')
            {
                regex.Append("[^/]");
            }
            else
            {
                regex.Append(Regex.Escape(glob[i..(i + 1)]));
            }
        }

        return regex.ToString();
    }

    // ---- kustomize output -----------------------------------------------------------------

    private sealed record Manifest(string Kind, string Name, string Text);

    private static List<Manifest> SplitManifests(string yaml)
    {
        var manifests = new List<Manifest>();
        foreach (var document in DocumentSeparator().Split(yaml))
        {
            var kind = TopLevelKind().Match(document);
            var name = MetadataName().Match(document);
            if (kind.Success)
            {
                manifests.Add(new Manifest(kind.Groups["kind"].Value.Trim(), name.Success ? name.Groups["name"].Value.Trim() : "", document));
            }
        }

        return manifests;
    }

    private List<Manifest> KustomizeResources()
    {
        var result = RunTool("kubectl", "kubernetes-client", "kustomize deploy/k8s");
        result.ExitCode.ShouldBe(0, $"`kubectl kustomize deploy/k8s` failed:\n{result.StandardError}");
        return SplitManifests(result.StandardOutput);
    }

    private sealed record EnvVar(string Name, string? Value, string? ConfigMapKey, string? SecretName, string? SecretKey);

    /// <summary>A secret volume mounted into a container; <c>Items</c> null means every key of the secret.</summary>
    private sealed record SecretMount(string MountPath, string SecretName, List<(string Key, string Path)>? Items);

    private sealed record Pod(List<EnvVar> Env, List<SecretMount> SecretMounts);

    private sealed record PrivateKeyFile(string App, string Setting, string ComposeVolume, string Secret, string SecretKey);

    /// <summary>The pod of each Deployment, by Deployment name.</summary>
    private Dictionary<string, Pod> KustomizePods(List<Manifest>? resources = null) =>
        (resources ?? KustomizeResources())
            .Where(r => r.Kind == "Deployment")
            .ToDictionary(r => r.Name, PodOf, StringComparer.Ordinal);

    /// <summary>The environment and the secret mounts of every container of a Deployment.</summary>
    private static Pod PodOf(Manifest deployment)
    {
        var spec = YamlMap(ParseYaml(deployment.Text), "spec", "template", "spec");
        var secretVolumes = YamlMaps(spec?.GetValueOrDefault("volumes"))
            .Where(volume => YamlMap(volume, "secret") is not null)
            .ToDictionary(
                volume => YamlString(volume, "name") ?? "",
                volume => YamlMap(volume, "secret")!,
                StringComparer.Ordinal);

        var env = new List<EnvVar>();
        var mounts = new List<SecretMount>();
        foreach (var container in YamlMaps(spec?.GetValueOrDefault("containers")))
        {
            foreach (var variable in YamlMaps(container.GetValueOrDefault("env")))
            {
                var configMapKey = YamlMap(variable, "valueFrom", "configMapKeyRef");
                var secretKey = YamlMap(variable, "valueFrom", "secretKeyRef");
                env.Add(new EnvVar(
                    YamlString(variable, "name") ?? "",
                    YamlString(variable, "value"),
                    configMapKey is null ? null : YamlString(configMapKey, "key"),
                    secretKey is null ? null : YamlString(secretKey, "name"),
                    secretKey is null ? null : YamlString(secretKey, "key")));
            }

            foreach (var mount in YamlMaps(container.GetValueOrDefault("volumeMounts")))
            {
                if (secretVolumes.TryGetValue(YamlString(mount, "name") ?? "", out var secret))
                {
                    var items = secret.TryGetValue("items", out var listed)
                        ? YamlMaps(listed).Select(item => (YamlString(item, "key") ?? "", YamlString(item, "path") ?? "")).ToList()
                        : null;
                    mounts.Add(new SecretMount(YamlString(mount, "mountPath") ?? "", YamlString(secret, "secretName") ?? "", items));
                }
            }
        }

        return new Pod(env, mounts);
    }

    /// <summary>
    /// The secrets deploy/k8s/README.md tells the operator to create (`kubectl create secret generic`),
    /// with the keys each command puts into it.
    /// </summary>
    private Dictionary<string, HashSet<string>> SecretsCreatedByReadme()
    {
        var readme = File.ReadAllText(Path.Combine(_repoRoot, "deploy", "k8s", "README.md"));
        var commands = ContinuedLine().Replace(readme, " ");
        var secrets = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (Match command in CreateSecretCommand().Matches(commands))
        {
            var keys = secrets.TryGetValue(command.Groups["name"].Value, out var existing)
                ? existing
                : secrets[command.Groups["name"].Value] = new HashSet<string>(StringComparer.Ordinal);
            foreach (Match source in SecretSource().Matches(command.Groups["arguments"].Value))
            {
                var value = source.Groups["value"].Value;
                var equals = value.IndexOf('=', StringComparison.Ordinal);
                // --from-literal=key=value; --from-file=key=path or --from-file=path (key: the file name).
                keys.Add(source.Groups["kind"].Value == "literal" || equals > 0
                    ? value[..Math.Max(equals, 0)]
                    : Path.GetFileName(value));
            }
        }

        secrets.Count.ShouldBeGreaterThan(0, "deploy/k8s/README.md has no `kubectl create secret generic` command");
        return secrets;
    }

    // ---- the dev script -------------------------------------------------------------------

    /// <summary>The environment `./dev up` starts <paramref name="app"/> with (its app_env function).</summary>
    private Dictionary<string, string> DevScriptEnvironment(string app)
    {
        // Sourcing the script with `help` defines its functions and only prints the usage text,
        // which is discarded: nothing is installed or started.
        var result = RunTool("bash", "bash", ["-c", "source ./dev help >/dev/null && app_env \"$1\"", "dev", app]);
        result.ExitCode.ShouldBe(0, $"`./dev`'s app_env {app} failed:\n{result.StandardError}");

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                environment[line[..equals]] = line[(equals + 1)..];
            }
        }

        environment.Count.ShouldBeGreaterThan(0, $"`./dev`'s app_env {app} printed nothing");
        return environment;
    }

    // ---- a small YAML reader --------------------------------------------------------------

    /// <summary>
    /// Reads the block YAML that `kubectl kustomize` prints into dictionaries, lists and strings:
    /// block mappings and sequences (a sequence may sit at its key's indentation), plain and quoted
    /// scalars, literal blocks, and the empty flow collections {} and []. Anchors, tags and other
    /// flow collections are not supported; kustomize prints none of them.
    /// </summary>
    private static object? ParseYaml(string text)
    {
        var lines = text.Split('\n')
            .Select(line => line.TrimEnd('\r'))
            .Where(line => line.Trim().Length > 0 && !line.TrimStart().StartsWith('#') && line.Trim() != "---")
            .ToList();
        var index = 0;
        return lines.Count == 0 ? null : ParseYamlNode(lines, ref index, YamlIndent(lines[0]));
    }

    private static object? ParseYamlNode(List<string> lines, ref int index, int indent)
    {
        var content = lines[index].Trim();
        if (IsYamlSequenceItem(content))
        {
            return ParseYamlSequence(lines, ref index, indent);
        }

        if (IsYamlMappingEntry(content))
        {
            return ParseYamlMapping(lines, ref index, indent);
        }

        index++;
        return ParseYamlScalar(content);
    }

    private static List<object?> ParseYamlSequence(List<string> lines, ref int index, int indent)
    {
        var items = new List<object?>();
        while (index < lines.Count && YamlIndent(lines[index]) == indent && IsYamlSequenceItem(lines[index].Trim()))
        {
            var item = lines[index].Trim();
            var rest = item[1..].TrimStart();
            if (rest.Length == 0)
            {
                index++;
                items.Add(index < lines.Count && YamlIndent(lines[index]) > indent ? ParseYamlNode(lines, ref index, YamlIndent(lines[index])) : null);
                continue;
            }

            // "- key: value" opens a mapping whose later keys line up with "key": read the item's
            // first line as if it stood there on its own.
            var itemIndent = indent + (item.Length - rest.Length);
            lines[index] = new string(' ', itemIndent) + rest;
            items.Add(ParseYamlNode(lines, ref index, itemIndent));
        }

        return items;
    }

    private static Dictionary<string, object?> ParseYamlMapping(List<string> lines, ref int index, int indent)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (index < lines.Count && YamlIndent(lines[index]) == indent && !IsYamlSequenceItem(lines[index].Trim()))
        {
            var content = lines[index].Trim();
            var separator = content.EndsWith(':') ? content.Length - 1 : content.IndexOf(": ", StringComparison.Ordinal);
            if (separator < 0)
            {
                break; // not a mapping entry: malformed for this reader, stop here
            }

            var key = UnquoteYaml(content[..separator].Trim());
            var value = separator + 1 < content.Length ? content[(separator + 1)..].Trim() : "";
            index++;
            if (value is "|" or "|-" or "|+" or ">" or ">-" or ">+")
            {
                var block = new List<string>();
                while (index < lines.Count && YamlIndent(lines[index]) > indent)
                {
                    block.Add(lines[index].Trim());
                    index++;
                }

                map[key] = string.Join('\n', block);
            }
            else if (value.Length > 0)
            {
                map[key] = ParseYamlScalar(value);
            }
            else if (index < lines.Count
                && (YamlIndent(lines[index]) > indent || (YamlIndent(lines[index]) == indent && IsYamlSequenceItem(lines[index].Trim()))))
            {
                map[key] = ParseYamlNode(lines, ref index, YamlIndent(lines[index]));
            }
            else
            {
                map[key] = null;
            }
        }

        return map;
    }

    private static object ParseYamlScalar(string value) => value switch
    {
        "{}" => new Dictionary<string, object?>(StringComparer.Ordinal),
        "[]" => new List<object?>(),
        _ => UnquoteYaml(value),
    };

    private static int YamlIndent(string line) => line.Length - line.TrimStart(' ').Length;

    private static bool IsYamlSequenceItem(string content) => content == "-" || content.StartsWith("- ", StringComparison.Ordinal);

    private static bool IsYamlMappingEntry(string content) =>
        content[0] is not ('"' or '\'') && (content.EndsWith(':') || content.Contains(": ", StringComparison.Ordinal));

    /// <summary>The mapping at <paramref name="path"/> below <paramref name="node"/>, or null.</summary>
    private static Dictionary<string, object?>? YamlMap(object? node, params string[] path)
    {
        foreach (var key in path)
        {
            node = node is Dictionary<string, object?> map ? map.GetValueOrDefault(key) : null;
        }

        return node as Dictionary<string, object?>;
    }

    private static IEnumerable<Dictionary<string, object?>> YamlMaps(object? node) =>
        node is List<object?> list ? list.OfType<Dictionary<string, object?>>() : [];

    private static string? YamlString(Dictionary<string, object?> map, string key) => map.GetValueOrDefault(key) as string;

    // ---- running tools --------------------------------------------------------------------

    private sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError);

    /// <summary>
    /// Runs a command-line tool in the repository root, with <paramref name="arguments"/> split on
    /// spaces (none of them contains one). A missing tool fails the test (it does not skip it): the
    /// project's test script installs the Debian package named here.
    /// </summary>
    private ToolResult RunTool(string tool, string debianPackage, string arguments) =>
        RunTool(tool, debianPackage, arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private ToolResult RunTool(string tool, string debianPackage, IReadOnlyList<string> arguments)
    {
        var executable = FindOnPath(tool);
        executable.ShouldNotBeNull($"`{tool}` is not on PATH. Install the Debian package {debianPackage}: apt-get install -y {debianPackage}");

        var startInfo = new ProcessStartInfo(executable)
        {
            WorkingDirectory = _repoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var standardOutput = new StringBuilder();
        var standardError = new StringBuilder();
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                standardOutput.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                standardError.AppendLine(e.Data);
            }
        };

        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(ToolTimeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"`{tool} {string.Join(' ', arguments)}` did not finish within {ToolTimeout}");
        }

        process.WaitForExit(); // lets the output handlers drain
        return new ToolResult(process.ExitCode, standardOutput.ToString(), standardError.ToString());
    }

    private static string? FindOnPath(string tool)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, tool))
            .FirstOrDefault(File.Exists);
    }

    // A shell line continued with a trailing backslash.
    [GeneratedRegex(@"\\[ \t]*\r?\n")]
    private static partial Regex ContinuedLine();

    [GeneratedRegex(@"create\s+secret\s+generic\s+(?<name>[a-z0-9.-]+)(?<arguments>[^\n]*)")]
    private static partial Regex CreateSecretCommand();

    [GeneratedRegex(@"--from-(?<kind>literal|file)=(?<value>[^\s'""]+)")]
    private static partial Regex SecretSource();

    [GeneratedRegex(@"dotnet\s+restore\s+(?<project>[^\s]+)")]
    private static partial Regex RestoreCommand();

    [GeneratedRegex(@"dotnet\s+publish\s+(?<project>[^\s]+\.csproj)")]
    private static partial Regex PublishCommand();

    [GeneratedRegex(@"^---\s*$", RegexOptions.Multiline)]
    private static partial Regex DocumentSeparator();

    [GeneratedRegex(@"^kind:(?<kind>.+)$", RegexOptions.Multiline)]
    private static partial Regex TopLevelKind();

    // metadata.name: the first "  name:" (two spaces) after the top-level "metadata:" line.
    [GeneratedRegex(@"^metadata:[ \t]*\n(?:(?:  .*|[ \t]*)\n)*?  name:(?<name>.+)$", RegexOptions.Multiline)]
    private static partial Regex MetadataName();

    // secretName: x (volumes) and secretKeyRef blocks (env), whichever order kustomize prints their keys in.
    [GeneratedRegex(@"secretName:[ \t]*(?<name>[^\s]+)|secretKeyRef:[ \t]*\n(?:[ \t]+key:.*\n)?[ \t]+name:[ \t]*(?<name>[^\s]+)")]
    private static partial Regex SecretReference();
}
