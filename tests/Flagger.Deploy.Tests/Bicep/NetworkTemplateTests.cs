using System.Text.Json;

namespace Flagger.Deploy.Tests.Bicep;

/// <summary>
/// The VNet integration of infra/main.bicep, on what a deployment would create (<see cref="DeploymentSnapshot"/>):
/// nothing of it without the network parameters; with them, a subnet delegated to Microsoft.App/environments
/// under the site, the peering to the cluster's VNet, the private cluster's DNS zone link and the storage
/// private endpoints.
/// </summary>
public sealed class NetworkTemplateTests
{
    private const string ClusterVnetId =
        "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-aks-net/providers/Microsoft.Network/virtualNetworks/aks-vnet";

    private static readonly string s_aksZoneId =
        DeploymentSnapshot.GroupId("MC_rg-aks-prod_aks-prod_westeurope") +
        "/providers/Microsoft.Network/privateDnsZones/abc123.privatelink.westeurope.azmk8s.io";

    private static readonly string s_existingSubnetId =
        DeploymentSnapshot.GroupId("rg-aks-net") + "/providers/Microsoft.Network/virtualNetworks/aks-vnet/subnets/flagger-app";

    [Fact]
    public async Task Without_network_parameters_nothing_of_a_network_is_created_and_the_site_has_no_subnet()
    {
        var snapshot = await DeploymentSnapshot.OfMainAsync();

        Assert.DoesNotContain(snapshot.Resources, r => r.GetProperty("type").GetString()!.StartsWith("Microsoft.Network/", StringComparison.OrdinalIgnoreCase));
        Assert.Null(snapshot.Site.At("properties.virtualNetworkSubnetId"));
        Assert.Equal("Enabled", snapshot.Single("Microsoft.Storage/storageAccounts").StringAt("properties.publicNetworkAccess"));
    }

    [Fact]
    public async Task The_default_parameter_file_deploys_no_network()
    {
        var snapshot = await DeploymentSnapshot.OfParameterFileAsync("infra/main.bicepparam");

        Assert.DoesNotContain(snapshot.Resources, r => r.GetProperty("type").GetString()!.StartsWith("Microsoft.Network/", StringComparison.OrdinalIgnoreCase));
        Assert.Null(snapshot.Site.At("properties.virtualNetworkSubnetId"));
    }

    [Fact]
    public async Task A_new_vnet_has_a_subnet_delegated_to_Microsoft_App_environments_and_the_site_is_integrated_into_it()
    {
        var snapshot = await DeploymentSnapshot.OfMainAsync("param networkMode = 'NewVnet'");

        var vnet = snapshot.Single("Microsoft.Network/virtualNetworks");
        Assert.Equal(DeploymentSnapshot.Location, vnet.StringAt("location"));
        Assert.Equal(snapshot.Site.StringAt("location"), vnet.StringAt("location"));
        Assert.Equal(new[] { "10.90.0.0/16" }, vnet.At("properties.addressSpace.addressPrefixes")!.Value.EnumerateArray().Select(p => p.GetString()!));

        var subnets = vnet.At("properties.subnets")!.Value.EnumerateArray().ToList();
        var appSubnet = Assert.Single(subnets); // no private endpoint subnet unless asked for
        Assert.Equal("10.90.0.0/26", appSubnet.StringAt("properties.addressPrefix"));
        Assert.DoesNotContain('_', appSubnet.StringAt("name")!);
        var delegation = Assert.Single(appSubnet.At("properties.delegations")!.Value.EnumerateArray());
        Assert.Equal("Microsoft.App/environments", delegation.StringAt("properties.serviceName"));

        Assert.Equal($"{vnet.Id()}/subnets/{appSubnet.StringAt("name")}", snapshot.Site.StringAt("properties.virtualNetworkSubnetId"));
        Assert.Empty(snapshot.OfType("Microsoft.Network/virtualNetworks/virtualNetworkPeerings"));
        Assert.Empty(snapshot.OfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks"));
        Assert.Empty(snapshot.OfType("Microsoft.Network/privateEndpoints"));
    }

    [Fact]
    public async Task A_new_vnet_is_peered_with_the_cluster_vnet_from_both_sides()
    {
        var snapshot = await DeploymentSnapshot.OfMainAsync(
            "param networkMode = 'NewVnet'",
            $"param clusterVirtualNetworkId = '{ClusterVnetId}'");

        var vnet = snapshot.Single("Microsoft.Network/virtualNetworks");
        var peerings = snapshot.OfType("Microsoft.Network/virtualNetworks/virtualNetworkPeerings").ToList();
        Assert.Equal(2, peerings.Count);

        var ours = Assert.Single(peerings, p => p.Id().StartsWith(vnet.Id() + "/virtualNetworkPeerings/", StringComparison.Ordinal));
        Assert.Equal(ClusterVnetId, ours.StringAt("properties.remoteVirtualNetwork.id"));
        Assert.True(ours.At("properties.allowVirtualNetworkAccess")!.Value.GetBoolean());

        var theirs = Assert.Single(peerings, p => p.Id().StartsWith(ClusterVnetId + "/virtualNetworkPeerings/", StringComparison.Ordinal));
        Assert.Equal(vnet.Id(), theirs.StringAt("properties.remoteVirtualNetwork.id"));
    }

    [Fact]
    public async Task The_cluster_side_of_the_peering_is_left_to_the_user_when_turned_off()
    {
        var snapshot = await DeploymentSnapshot.OfMainAsync(
            "param networkMode = 'NewVnet'",
            $"param clusterVirtualNetworkId = '{ClusterVnetId}'",
            "param peerFromClusterVirtualNetwork = false");

        var peering = Assert.Single(snapshot.OfType("Microsoft.Network/virtualNetworks/virtualNetworkPeerings"));
        Assert.Equal(ClusterVnetId, peering.StringAt("properties.remoteVirtualNetwork.id"));
    }

    [Fact]
    public async Task The_private_cluster_dns_zone_is_linked_to_the_new_vnet_in_the_zone_resource_group()
    {
        var snapshot = await DeploymentSnapshot.OfMainAsync(
            "param networkMode = 'NewVnet'",
            "param aksPrivateCluster = true",
            $"param aksPrivateDnsZoneId = '{s_aksZoneId}'");

        var vnet = snapshot.Single("Microsoft.Network/virtualNetworks");
        var link = Assert.Single(snapshot.OfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks"));
        Assert.StartsWith(s_aksZoneId + "/virtualNetworkLinks/", link.Id(), StringComparison.Ordinal);
        Assert.Equal(vnet.Id(), link.StringAt("properties.virtualNetwork.id"));
        Assert.False(link.At("properties.registrationEnabled")!.Value.GetBoolean());
        Assert.Equal("global", link.StringAt("location"));
    }

    [Fact]
    public async Task An_existing_subnet_is_used_as_is_with_no_vnet_created_and_the_dns_zone_linked_to_its_vnet()
    {
        var snapshot = await DeploymentSnapshot.OfMainAsync(
            "param networkMode = 'ExistingSubnet'",
            $"param existingAppSubnetId = '{s_existingSubnetId}'",
            $"param aksPrivateDnsZoneId = '{s_aksZoneId}'",
            $"param clusterVirtualNetworkId = '{ClusterVnetId}'");

        Assert.Equal(s_existingSubnetId, snapshot.Site.StringAt("properties.virtualNetworkSubnetId"));
        Assert.Empty(snapshot.OfType("Microsoft.Network/virtualNetworks"));
        Assert.Empty(snapshot.OfType("Microsoft.Network/virtualNetworks/virtualNetworkPeerings")); // routing is the user's
        var link = Assert.Single(snapshot.OfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks"));
        Assert.Equal(s_existingSubnetId[..s_existingSubnetId.IndexOf("/subnets/", StringComparison.Ordinal)], link.StringAt("properties.virtualNetwork.id"));
    }

    [Fact]
    public async Task Storage_private_endpoints_cover_blob_queue_and_table_in_their_own_subnet_with_linked_privatelink_zones()
    {
        var snapshot = await DeploymentSnapshot.OfMainAsync(
            "param networkMode = 'NewVnet'",
            "param storagePrivateEndpoints = true",
            "param storagePublicNetworkAccess = 'Disabled'");

        var vnet = snapshot.Single("Microsoft.Network/virtualNetworks");
        var subnets = vnet.At("properties.subnets")!.Value.EnumerateArray().ToList();
        Assert.Equal(2, subnets.Count);
        var endpointSubnet = Assert.Single(subnets, s => s.At("properties.delegations") is null);
        Assert.Equal("10.90.1.0/28", endpointSubnet.StringAt("properties.addressPrefix"));
        var endpointSubnetId = $"{vnet.Id()}/subnets/{endpointSubnet.StringAt("name")}";
        Assert.NotEqual(endpointSubnetId, snapshot.Site.StringAt("properties.virtualNetworkSubnetId"));

        var storage = snapshot.Single("Microsoft.Storage/storageAccounts");
        var endpoints = snapshot.OfType("Microsoft.Network/privateEndpoints").ToList();
        Assert.Equal(
            new[] { "blob", "queue", "table" },
            endpoints.Select(e => Assert.Single(e.At("properties.privateLinkServiceConnections")!.Value.EnumerateArray()))
                .Select(c =>
                {
                    Assert.Equal(storage.Id(), c.StringAt("properties.privateLinkServiceId"));
                    return Assert.Single(c.At("properties.groupIds")!.Value.EnumerateArray()).GetString()!;
                })
                .Order());
        Assert.All(endpoints, e => Assert.Equal(endpointSubnetId, e.StringAt("properties.subnet.id")));

        // Zone names hold environment().suffixes.storage, which the snapshot leaves to Azure (an ARM expression).
        var zones = snapshot.OfType("Microsoft.Network/privateDnsZones").Select(z => z.StringAt("name")!).ToList();
        foreach (var service in new[] { "blob", "queue", "table" })
        {
            Assert.Single(zones, z =>
                z.Contains($"privatelink.{{0}}.{{1}}', '{service}'", StringComparison.Ordinal) ||
                z.StartsWith($"privatelink.{service}.", StringComparison.Ordinal));
        }

        var links = snapshot.OfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks").ToList();
        Assert.Equal(3, links.Count);
        Assert.All(links, l => Assert.Equal(vnet.Id(), l.StringAt("properties.virtualNetwork.id")));
        Assert.Equal(3, snapshot.OfType("Microsoft.Network/privateEndpoints/privateDnsZoneGroups").Count());

        Assert.Equal("Disabled", storage.StringAt("properties.publicNetworkAccess"));
    }

    [Fact]
    public async Task Storage_public_access_stays_enabled_without_private_endpoints()
    {
        var snapshot = await DeploymentSnapshot.OfMainAsync(
            "param networkMode = 'NewVnet'",
            "param storagePublicNetworkAccess = 'Disabled'");

        Assert.Equal("Enabled", snapshot.Single("Microsoft.Storage/storageAccounts").StringAt("properties.publicNetworkAccess"));
        Assert.Empty(snapshot.OfType("Microsoft.Network/privateEndpoints"));
    }

    [Fact]
    public async Task The_vnet_parameter_file_deploys_the_private_cluster_setup()
    {
        var snapshot = await DeploymentSnapshot.OfParameterFileAsync("infra/main.vnet.bicepparam");

        var vnet = snapshot.Single("Microsoft.Network/virtualNetworks");
        Assert.StartsWith(vnet.Id() + "/subnets/", snapshot.Site.StringAt("properties.virtualNetworkSubnetId"), StringComparison.Ordinal);
        Assert.Equal(2, snapshot.OfType("Microsoft.Network/virtualNetworks/virtualNetworkPeerings").Count());
        Assert.Single(
            snapshot.OfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks"),
            l => l.Id().Contains(".privatelink.westeurope.azmk8s.io/virtualNetworkLinks/", StringComparison.Ordinal));
        Assert.Equal(3, snapshot.OfType("Microsoft.Network/privateEndpoints").Count());

        var settings = snapshot.Single("Microsoft.Web/sites/config").GetProperty("properties");
        Assert.Contains("privateFQDN", settings.GetProperty("Kubernetes__Server").GetString(), StringComparison.Ordinal);
        Assert.Equal("Never", settings.GetProperty("Prometheus__AzureMonitorAuthentication").GetString());
    }
}
