using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.KubeConfigModels;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>
/// A Kubernetes API server on 127.0.0.1 (a free port) that the real KubernetesClient cannot tell from
/// kube-apiserver for the resources Flagger uses. Start it once per test collection; see README.md.
/// </summary>
public sealed class FakeKubernetesApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ClusterStore _store;
    private readonly FakeApiServerOptions _options;
    private readonly string _kubeconfigDirectory;
    private readonly ServingCertificates _certificates;
    private readonly CancellationTokenSource _stopPersisting = new();
    private Task? _persisting;

    private FakeKubernetesApiServer(
        WebApplication app, ClusterStore store, FakeApiServerOptions options, string token, ServingCertificates certificates)
    {
        _app = app;
        _store = store;
        _options = options;
        _certificates = certificates;
        Token = token;
        _kubeconfigDirectory = options.StateDirectory
            ?? Path.Combine(options.WorkDirectory ?? Path.GetTempPath(), "flagger-fake-kube-" + Guid.NewGuid().ToString("N"));
    }

    /// <summary><c>https://127.0.0.1:PORT</c>, served with a certificate signed by <see cref="CertificateAuthority"/>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The self-signed CA made for this server (public part); the kubeconfig carries it as <c>certificate-authority-data</c>.</summary>
    public X509Certificate2 CertificateAuthority => _certificates.Authority;

    /// <summary>The bearer token every request must carry.</summary>
    public string Token { get; }

    /// <summary>A kubeconfig for this server, written at start (in the state directory when there is one, and kept).</summary>
    public string KubeconfigPath => Path.Combine(_kubeconfigDirectory, "config");

    public RequestLog Requests { get; } = new();

    public FaultInjector Faults { get; } = new();

    public DeploymentSimulation Deployments { get; } = new();

    public GatewaySimulation Gateway { get; } = new();

    public static async Task<FakeKubernetesApiServer> StartAsync(FakeApiServerOptions? options = null)
    {
        options ??= new FakeApiServerOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(FakeKubernetesApiServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        var state = options.StateDirectory is { } stateDirectory ? ServerState.Read(Directory.CreateDirectory(stateDirectory).FullName) : null;
        var certificates = options.StateDirectory is null
            ? ServingCertificates.Create(TimeProvider.System.GetUtcNow())
            : ServingCertificates.LoadOrCreate(options.StateDirectory!, TimeProvider.System.GetUtcNow());
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, state?.Port ?? 0, listen => listen.UseHttps(certificates.Server)));
        var app = builder.Build();

        var store = new ClusterStore(options.TimeProvider);
        var token = options.Token ?? state?.Token ?? Guid.NewGuid().ToString("N");
        var server = new FakeKubernetesApiServer(app, store, options, token, certificates);
        server.Deployments.Attach(store);
        server.Gateway.Attach(store);
        store.AddController(server.Deployments);
        store.AddController(server.Gateway);
        if (options.StateDirectory is not null && File.Exists(server.ObjectsPath))
        {
            store.Restore(await File.ReadAllTextAsync(server.ObjectsPath));
        }
        var handler = new ApiRequestHandler(
            store, server.Requests, server.Faults, () => server.Token, () => server.BaseAddress.Authority, app.Lifetime.ApplicationStopping);
        app.Run(handler.HandleAsync);
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.Single();
        server.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        Directory.CreateDirectory(server._kubeconfigDirectory);
        server.WriteKubeconfig(server.KubeconfigPath);
        if (options.StateDirectory is { } kept)
        {
            new ServerState(server.BaseAddress.Port, token).Write(kept);
            server._persisting = server.PersistAsync(server._stopPersisting.Token);
        }

        return server;
    }

    private string ObjectsPath => Path.Combine(_options.StateDirectory!, "objects.json");

    /// <summary>Writes the objects shortly after each change (at most every 200 ms), through a temporary file so a
    /// kill never leaves half a snapshot.</summary>
    private async Task PersistAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var changed = _store.NextChange;
            try
            {
                await changed.WaitAsync(stopping);
                await Task.Delay(TimeSpan.FromMilliseconds(200), stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await WriteObjectsAsync();
        }
    }

    private async Task WriteObjectsAsync()
    {
        var temporary = ObjectsPath + ".tmp";
        await File.WriteAllTextAsync(temporary, _store.Snapshot());
        File.Move(temporary, ObjectsPath, overwrite: true);
    }

    /// <summary>Writes a kubeconfig (cluster at <see cref="BaseAddress"/> with <see cref="CertificateAuthority"/> as
    /// <c>certificate-authority-data</c>, a user with <see cref="Token"/>, a current context): kubectl and KubernetesClient both read it.</summary>
    public void WriteKubeconfig(string path)
    {
        var name = _options.ContextName;
        var cluster = new ClusterEndpoint
        {
            Server = BaseAddress.ToString().TrimEnd('/'),
            CertificateAuthorityData = Convert.ToBase64String(Encoding.UTF8.GetBytes(_certificates.AuthorityPem)),
        };
        var config = new K8SConfiguration
        {
            ApiVersion = "v1",
            Kind = "Config",
            CurrentContext = name,
            Clusters = [new Cluster { Name = name, ClusterEndpoint = cluster }],
            Users = [new User { Name = name, UserCredentials = new UserCredentials { Token = Token } }],
            Contexts = [new Context { Name = name, ContextDetails = new ContextDetails { Cluster = name, User = name, Namespace = _options.DefaultNamespace } }],
        };
        File.WriteAllText(path, KubernetesYaml.Serialize(config));
    }

    /// <summary>The client configuration read from the kubeconfig, with an optional HTTP timeout.</summary>
    public KubernetesClientConfiguration CreateClientConfiguration(TimeSpan? timeout = null)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath);
        if (timeout is { } t)
        {
            config.HttpClientTimeout = t;
        }

        return config;
    }

    /// <summary>A real client built from the kubeconfig; pass a short timeout to test hangs.</summary>
    public k8s.Kubernetes CreateClient(TimeSpan? timeout = null) => new(CreateClientConfiguration(timeout));

    /// <summary>A raw HttpClient at <see cref="BaseAddress"/> that trusts <see cref="CertificateAuthority"/>, with no credentials
    /// (add <c>Authorization: Bearer {Token}</c> yourself).</summary>
    public HttpClient CreateHttpClient()
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(CertificateAuthority);
        var handler = new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy } };
        return new HttpClient(handler, disposeHandler: true) { BaseAddress = BaseAddress };
    }

    /// <summary>Stores an object as given (status kept, which the API would drop on create), replacing any
    /// object of the same name. Needs <c>apiVersion</c>, <c>kind</c> and <c>metadata.name</c>; the namespace
    /// defaults to <c>default</c>. Returns the stored object with its metadata.</summary>
    public JsonObject Seed(JsonObject obj)
    {
        var apiVersion = obj["apiVersion"]?.GetValue<string>() ?? throw new ArgumentException("apiVersion is required", nameof(obj));
        var kind = obj["kind"]?.GetValue<string>() ?? throw new ArgumentException("kind is required", nameof(obj));
        var resource = Resolve(apiVersion, kind);
        var name = obj["metadata"]?["name"]?.GetValue<string>() ?? throw new ArgumentException("metadata.name is required", nameof(obj));
        var ns = resource.Namespaced ? obj["metadata"]?["namespace"]?.GetValue<string>() ?? "default" : "";
        if (_store.Find(resource, ns, name) is not null)
        {
            _store.Delete(resource, ns, name);
        }

        return _store.Create(resource, ns, obj, keepStatus: true);
    }

    /// <summary>Stores a typed object (a KubernetesClient model or one marked with <see cref="KubernetesEntityAttribute"/>).</summary>
    public T Seed<T>(T obj)
        where T : IKubernetesObject
    {
        var json = JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject();
        var entity = Entity(typeof(T));
        json["apiVersion"] ??= entity.Group.Length == 0 ? entity.ApiVersion : $"{entity.Group}/{entity.ApiVersion}";
        json["kind"] ??= entity.Kind;
        return KubernetesJson.Deserialize<T>(Seed(json).ToJsonString());
    }

    /// <summary>The stored object, or null; <c>apiVersion</c> picks the version it is shown in.</summary>
    public JsonObject? Get(string apiVersion, string kind, string? @namespace, string name)
    {
        _store.Settle();
        var resource = Resolve(apiVersion, kind);
        var found = _store.Find(resource, resource.Namespaced ? @namespace ?? "default" : "", name)?.DeepClone().AsObject();
        if (found is not null)
        {
            found["apiVersion"] = apiVersion;
        }

        return found;
    }

    /// <summary>The stored object as <typeparamref name="T"/>, or null.</summary>
    public T? Get<T>(string? @namespace, string name)
        where T : class, IKubernetesObject
    {
        var entity = Entity(typeof(T));
        var apiVersion = entity.Group.Length == 0 ? entity.ApiVersion : $"{entity.Group}/{entity.ApiVersion}";
        var json = Get(apiVersion, entity.Kind, @namespace, name);
        return json is null ? null : KubernetesJson.Deserialize<T>(json.ToJsonString());
    }

    /// <summary>All stored objects of a kind, in one namespace or all when null.</summary>
    public IReadOnlyList<JsonObject> List(string apiVersion, string kind, string? @namespace = null)
    {
        _store.Settle();
        var resource = Resolve(apiVersion, kind);
        return _store.List(resource, @namespace, LabelSelector.Everything, LabelSelector.Everything).Items;
    }

    /// <summary>Removes a stored object; false when there was none.</summary>
    public bool Delete(string apiVersion, string kind, string? @namespace, string name)
    {
        var resource = Resolve(apiVersion, kind);
        var ns = resource.Namespaced ? @namespace ?? "default" : "";
        if (_store.Find(resource, ns, name) is null)
        {
            return false;
        }

        _store.Delete(resource, ns, name);
        return true;
    }

    /// <summary>Empties the store, the request log and the faults, and puts the simulations back to their defaults.</summary>
    public void Reset()
    {
        _store.Clear();
        Requests.Clear();
        Faults.Clear();
        Deployments.Reset();
        Gateway.Reset();
    }

    public async ValueTask DisposeAsync()
    {
        if (_persisting is not null)
        {
            await _stopPersisting.CancelAsync();
            await _persisting;
            await WriteObjectsAsync();
        }

        _stopPersisting.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificates.Dispose();
        try
        {
            if (_options.StateDirectory is null)
            {
                Directory.Delete(_kubeconfigDirectory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover temp file is harmless.
        }
    }

    private static ApiResource Resolve(string apiVersion, string kind) =>
        ApiResources.FindByKind(apiVersion, kind)
        ?? throw new ArgumentException($"the fake API server does not serve {kind} in {apiVersion}");

    private static KubernetesEntityAttribute Entity(Type type) =>
        type.GetCustomAttributes(typeof(KubernetesEntityAttribute), inherit: true).OfType<KubernetesEntityAttribute>().FirstOrDefault()
        ?? throw new ArgumentException($"{type.Name} has no [KubernetesEntity] attribute");
}

/// <summary>What a server with a state directory keeps besides its certificates and objects: <c>server.json</c>.</summary>
internal sealed record ServerState(int Port, string Token)
{
    private const string FileName = "server.json";

    public static ServerState? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var json = JsonNode.Parse(File.ReadAllText(path))!;
        return new ServerState(json["port"]!.GetValue<int>(), json["token"]!.GetValue<string>());
    }

    public void Write(string directory) =>
        File.WriteAllText(Path.Combine(directory, FileName), new JsonObject { ["port"] = Port, ["token"] = Token }.ToJsonString());
}
