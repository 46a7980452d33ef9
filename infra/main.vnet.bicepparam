// Parameters of main.bicep for a cluster reached over a virtual network: a private AKS cluster, an
// in-cluster Prometheus and the loadtester behind internal load balancers. The app gets a new VNet
// (a subnet delegated to Microsoft.App/environments), peered both ways with the cluster's VNet, the
// cluster's private DNS zone linked to it, and its storage account behind private endpoints.
//   az deployment group create -g <rg> --template-file infra/main.bicep --parameters infra/main.vnet.bicepparam
// The root README's "Reaching the cluster from the Function App" says what each address must be.
using 'main.bicep'

param namePrefix = 'flagger'

param aksClusterName = 'aks-prod'
param aksResourceGroup = 'rg-aks-prod'
param aksPrivateCluster = true
param kubernetesCertificateAuthorityData = readEnvironmentVariable('FLAGGER_AKS_CA_DATA', '')

// In-cluster Prometheus behind a Service of type LoadBalancer with
// service.beta.kubernetes.io/azure-load-balancer-internal: "true" (a fixed address from the cluster's
// subnet with service.beta.kubernetes.io/azure-load-balancer-ipv4). No Entra token for it.
param prometheusAddress = 'http://10.224.0.200:9090'
param prometheusAzureMonitorAuthentication = 'Never'

param networkMode = 'NewVnet'
// Must not overlap the cluster's VNet (nor its pod and service CIDRs).
param vnetAddressPrefix = '10.90.0.0/16'
param appSubnetPrefix = '10.90.0.0/26'
param privateEndpointSubnetPrefix = '10.90.1.0/28'

// az aks show -g rg-aks-prod -n aks-prod --query agentPoolProfiles[0].vnetSubnetId (without /subnets/...)
param clusterVirtualNetworkId = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks-prod-network/providers/Microsoft.Network/virtualNetworks/vnet-aks-prod'
param peerFromClusterVirtualNetwork = true

// az network private-dns zone list -g $(az aks show -g rg-aks-prod -n aks-prod --query nodeResourceGroup -o tsv) --query [0].id
param aksPrivateDnsZoneId = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/MC_rg-aks-prod_aks-prod_westeurope/providers/Microsoft.Network/privateDnsZones/00000000-0000-0000-0000-000000000000.privatelink.westeurope.azmk8s.io'

param storagePrivateEndpoints = true
param storagePublicNetworkAccess = 'Disabled'

param taskHubName = 'flagger'
param sweepSchedule = '*/30 * * * * *'

param watchNamespaces = ''
param canaryLabelSelector = ''

param slackUrl = readEnvironmentVariable('FLAGGER_SLACK_URL', '')
param teamsUrl = readEnvironmentVariable('FLAGGER_TEAMS_URL', '')
