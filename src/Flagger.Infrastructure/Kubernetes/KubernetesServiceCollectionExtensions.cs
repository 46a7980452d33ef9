using System.Security.Cryptography.X509Certificates;
using System.Text;
using Azure.Identity;
using Flagger.Core.Ports;
using Flagger.Infrastructure.GatewayApi;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Kubernetes;

public static class KubernetesServiceCollectionExtensions
{
    /// <summary>The Kubernetes client, the cluster and router ports, Kubernetes Events and the resource reader.</summary>
    public static IServiceCollection AddKubernetes(this IServiceCollection services)
    {
        services.AddSettings<KubernetesOptions>(KubernetesOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubernetes>(provider => new k8s.Kubernetes(BuildConfiguration(provider.GetRequiredService<IOptions<KubernetesOptions>>().Value, provider.GetRequiredService<TimeProvider>())));
        services.TryAddSingleton<ICanaryCluster, KubernetesCanaryCluster>();
        services.TryAddSingleton<ITrafficRouter, GatewayApiRouter>();
        services.TryAddSingleton<IEventRecorder, KubernetesEventRecorder>();
        services.TryAddSingleton<IClusterResources, KubernetesClusterResources>();
        return services;
    }

    /// <summary>Entra ID against an AKS server, else a kubeconfig (given or default), else in-cluster.</summary>
    public static KubernetesClientConfiguration BuildConfiguration(KubernetesOptions options, TimeProvider time)
    {
        KubernetesClientConfiguration configuration;
        if (options.UseEntraId && options.Server is { } server)
        {
            configuration = new KubernetesClientConfiguration
            {
                Host = server.ToString(),
                TokenProvider = new EntraTokenProvider(new DefaultAzureCredential(), time),
            };
            if (!string.IsNullOrEmpty(options.CertificateAuthorityData))
            {
                var pem = Encoding.UTF8.GetString(Convert.FromBase64String(options.CertificateAuthorityData));
                configuration.SslCaCerts = [X509Certificate2.CreateFromPem(pem)];
            }
        }
        else if (!string.IsNullOrEmpty(options.Kubeconfig))
        {
            configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig, options.Context);
        }
        else
        {
            configuration = KubernetesClientConfiguration.IsInCluster()
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile(currentContext: options.Context);
        }

        configuration.HttpClientTimeout = options.RequestTimeout;
        return configuration;
    }
}
