// Flagger.Functions in Azure: the Function App on Flex Consumption (.NET 10 isolated), its storage account
// (no shared keys: the app, Durable Functions and the deployment package all use the managed identity),
// Application Insights on a Log Analytics workspace, and the identity's roles on the storage account, an
// optional Azure Monitor workspace (managed Prometheus) and an existing AKS cluster.
// Deploy the Event Grid subscription (eventgrid.bicep) after the code: Event Grid validates the endpoint.
targetScope = 'resourceGroup'

@description('Prefix of every resource name (letters and digits; the storage account name adds a unique suffix).')
@minLength(3)
@maxLength(12)
param namePrefix string = 'flagger'

@description('Region of every new resource.')
param location string = resourceGroup().location

@description('Name of the existing AKS cluster the app drives.')
param aksClusterName string

@description('Resource group of the AKS cluster (default: this one).')
param aksResourceGroup string = resourceGroup().name

@description('Base64 PEM of the cluster CA (certificate-authority-data of the kubeconfig). AKS signs its API server certificate with its own CA, so the app needs it to trust the server.')
param kubernetesCertificateAuthorityData string = ''

@description('Use the private FQDN of a private cluster as the API server address (the app then needs networkMode NewVnet or ExistingSubnet, a route to the cluster\'s VNet and aksPrivateDnsZoneId).')
param aksPrivateCluster bool = false

@description('Assign the built-in Azure Kubernetes Service RBAC Writer role on the cluster (clusters with Azure RBAC for Kubernetes). The flagger.app resources need the Kubernetes ClusterRoleBinding in infra/kubernetes/rbac either way.')
param assignAksRbacWriter bool = true

@description('Prometheus query address: in-cluster reachable URL, or an Azure Monitor workspace query endpoint (https://<workspace>.<region>.prometheus.monitor.azure.com).')
param prometheusAddress string

@description('When to send an Entra token to Prometheus: Auto (Azure Monitor hosts only), Always, Never.')
@allowed([
  'Auto'
  'Always'
  'Never'
])
param prometheusAzureMonitorAuthentication string = 'Auto'

@description('Name of an existing Azure Monitor workspace (managed Prometheus) to grant Monitoring Data Reader on; empty for none.')
param azureMonitorWorkspaceName string = ''

@description('Resource group of the Azure Monitor workspace (default: this one).')
param azureMonitorWorkspaceResourceGroup string = resourceGroup().name

@description('Durable Functions task hub name.')
param taskHubName string = 'flagger'

@description('NCRONTAB (six fields) of the resync sweep.')
param sweepSchedule string = '*/30 * * * * *'

@description('Comma-separated namespaces whose Canaries this app owns; empty for all.')
param watchNamespaces string = ''

@description('Label selector narrowing the Canaries this app owns (to run beside Flagger during a migration).')
param canaryLabelSelector string = ''

@description('What a registry push does to a target Flux or Argo CD applies from Git: skip (the Git change starts the rollout) or patch.')
@allowed([ 'skip', 'patch' ])
param gitOpsTargets string = 'skip'

@description('Comma-separated label keys that also mark a target as GitOps-managed (e.g. app.kubernetes.io/instance for Argo CD label tracking).')
param gitOpsLabels string = ''

@description('Prefix of the state tables (letters and digits).')
param tablePrefix string = ''

@description('How long rollout history rows are kept (TimeSpan).')
param historyRetention string = '14.00:00:00'

@description('How long Event Grid event ids are remembered for dedupe (TimeSpan).')
param deliveryTtl string = '2.00:00:00'

@description('Global event webhook (Flagger\'s -event-webhook); empty for none.')
param eventWebhookUrl string = ''

@description('Cluster name shown in alerts.')
param alertsClusterName string = aksClusterName

@description('Global Slack incoming webhook URL (used for canaries without alerts).')
@secure()
param slackUrl string = ''

@description('Slack bot token (with https://slack.com/api/chat.postMessage as the URL).')
@secure()
param slackToken string = ''

@description('Slack channel of the global notifier.')
param slackChannel string = 'general'

@description('Slack user name of the global notifier.')
param slackUser string = 'flagger'

@description('Global Microsoft Teams webhook URL (a Teams Workflows URL, or a legacy Office 365 connector URL).')
@secure()
param teamsUrl string = ''

@description('What teamsUrl is sent: adaptive-card (Teams Workflows), message-card (Office 365 connector), or empty: chosen by the URL.')
@allowed([
  ''
  'auto'
  'adaptive-card'
  'message-card'
])
param teamsFormat string = ''

@description('Largest number of instances Flex Consumption scales the app to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of one instance (MB).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

// Network. Without these (networkMode None) the app reaches only public endpoints: the API server's public
// FQDN, Azure Monitor's query endpoint and public webhooks. In-cluster addresses (the loadtester, an
// in-cluster Prometheus) need VNet integration and an internal load balancer in a VNet the app can route to.

@description('Outbound VNet integration of the app: None; NewVnet (a VNet and a subnet delegated to Microsoft.App/environments, created here, optionally peered with the cluster\'s VNet); ExistingSubnet (existingAppSubnetId, delegated to Microsoft.App/environments already, for example in the cluster\'s own VNet).')
@allowed([
  'None'
  'NewVnet'
  'ExistingSubnet'
])
param networkMode string = 'None'

@description('NewVnet: address space of the new VNet (must not overlap the cluster\'s VNet, its pod CIDR or service CIDR when peered).')
param vnetAddressPrefix string = '10.90.0.0/16'

@description('NewVnet: the app subnet. Flex Consumption takes one address per instance and Azure keeps 5 per subnet: a /26 (59 usable) covers maximumInstanceCount 40 with room for scale-in overlap.')
param appSubnetPrefix string = '10.90.0.0/26'

@description('NewVnet with storagePrivateEndpoints: the subnet of the private endpoints (3 addresses used).')
param privateEndpointSubnetPrefix string = '10.90.1.0/28'

@description('ExistingSubnet: resource id of a subnet delegated to Microsoft.App/environments, in this region, used by nothing else, name without underscores.')
param existingAppSubnetId string = ''

@description('ExistingSubnet with storagePrivateEndpoints: resource id of the subnet for the private endpoints.')
param existingPrivateEndpointSubnetId string = ''

@description('NewVnet: resource id of the cluster\'s VNet to peer the new VNet with (internal load balancers, a private API server); empty for no peering. With ExistingSubnet, routing is yours.')
param clusterVirtualNetworkId string = ''

@description('NewVnet with clusterVirtualNetworkId: also create the cluster side of the peering (needs Network Contributor on the cluster VNet). Off: create it yourself, the peering stays Initiated until then.')
param peerFromClusterVirtualNetwork bool = true

@description('Resource id of the private DNS zone of a private AKS cluster\'s API server (privatelink.<region>.azmk8s.io, in the node resource group for a system zone) to link to the app\'s VNet; empty for none.')
param aksPrivateDnsZoneId string = ''

@description('Private endpoints for the storage account (blob, queue, table) in the app\'s VNet, with privatelink DNS zones created here and linked to it. Needs networkMode NewVnet or ExistingSubnet.')
param storagePrivateEndpoints bool = false

@description('Public network access of the storage account with storagePrivateEndpoints (Disabled: only through them; the deployment package is then uploaded through the app). Ignored, Enabled, without private endpoints.')
@allowed([
  'Enabled'
  'Disabled'
])
param storagePublicNetworkAccess string = 'Enabled'

param tags object = {}

var suffix = uniqueString(resourceGroup().id, namePrefix)
var appName = '${namePrefix}-${suffix}'
var storageAccountName = take(toLower('${replace(namePrefix, '-', '')}${suffix}'), 24)
var deploymentContainerName = 'app-package-${take(appName, 32)}'

var vnetIntegration = networkMode != 'None'
var appSubnetId = networkMode == 'NewVnet'
  ? network!.outputs.appSubnetId
  : networkMode == 'ExistingSubnet' ? existingAppSubnetId : ''
// The VNet the app's subnet belongs to: the new one, or the existing subnet's.
var appVirtualNetworkId = networkMode == 'NewVnet'
  ? network!.outputs.id
  : networkMode == 'ExistingSubnet' ? split(existingAppSubnetId, '/subnets/')[0] : ''
var privateEndpointSubnetId = networkMode == 'NewVnet'
  ? network!.outputs.privateEndpointSubnetId
  : existingPrivateEndpointSubnetId
var peerCluster = networkMode == 'NewVnet' && !empty(clusterVirtualNetworkId)

// Built-in role ids.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${appName}-id'
  location: location
  tags: tags
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${appName}-logs'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${appName}-ai'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Disabled only where the private endpoints exist: an app without them would lose its storage.
    publicNetworkAccess: vnetIntegration && storagePrivateEndpoints ? storagePublicNetworkAccess : 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in [
    roles.storageBlobDataOwner
    roles.storageQueueDataContributor
    roles.storageTableDataContributor
  ]: {
    name: guid(storage.id, identity.id, role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource insightsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: insights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

module aksAccess 'modules/aks-access.bicep' = {
  name: 'flagger-aks-access'
  scope: resourceGroup(aksResourceGroup)
  params: {
    aksClusterName: aksClusterName
    principalId: identity.properties.principalId
    assignRbacWriter: assignAksRbacWriter
    privateCluster: aksPrivateCluster
  }
}

module prometheusAccess 'modules/monitor-access.bicep' = if (!empty(azureMonitorWorkspaceName)) {
  name: 'flagger-prometheus-access'
  scope: resourceGroup(azureMonitorWorkspaceResourceGroup)
  params: {
    workspaceName: azureMonitorWorkspaceName
    principalId: identity.properties.principalId
  }
}

module network 'modules/network.bicep' = if (networkMode == 'NewVnet') {
  name: 'flagger-network'
  params: {
    name: '${appName}-vnet'
    location: location
    addressPrefix: vnetAddressPrefix
    appSubnetPrefix: appSubnetPrefix
    privateEndpointSubnetPrefix: storagePrivateEndpoints ? privateEndpointSubnetPrefix : ''
    peerVirtualNetworkId: clusterVirtualNetworkId
    tags: tags
  }
}

module clusterPeering 'modules/vnet-peering.bicep' = if (peerCluster && peerFromClusterVirtualNetwork) {
  name: 'flagger-cluster-peering'
  scope: resourceGroup(split(clusterVirtualNetworkId, '/')[2], split(clusterVirtualNetworkId, '/')[4])
  params: {
    localVirtualNetworkName: last(split(clusterVirtualNetworkId, '/'))
    remoteVirtualNetworkId: network!.outputs.id
  }
}

module aksDnsLink 'modules/private-dns-link.bicep' = if (vnetIntegration && !empty(aksPrivateDnsZoneId)) {
  name: 'flagger-aks-dns-link'
  scope: resourceGroup(split(aksPrivateDnsZoneId, '/')[2], split(aksPrivateDnsZoneId, '/')[4])
  params: {
    zoneName: last(split(aksPrivateDnsZoneId, '/'))
    virtualNetworkId: appVirtualNetworkId
    linkName: '${appName}-link'
  }
}

module storageEndpoints 'modules/storage-private-endpoints.bicep' = if (vnetIntegration && storagePrivateEndpoints) {
  name: 'flagger-storage-endpoints'
  params: {
    storageAccountName: storage.name
    location: location
    subnetId: privateEndpointSubnetId
    virtualNetworkId: appVirtualNetworkId
    tags: tags
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${appName}-plan'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  // Outbound VNet integration (virtualNetworkSubnetId) only with a networkMode; absent otherwise.
  properties: union({
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }, vnetIntegration ? { virtualNetworkSubnetId: appSubnetId } : {})
  dependsOn: [
    storageRoles
    deploymentContainer
    storageEndpoints
  ]
}

// Every setting the app reads (local.settings.sample.json), identity-based where Azure allows it.
// Flex Consumption takes the worker runtime from functionAppConfig, not from FUNCTIONS_WORKER_RUNTIME.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__accountName: storage.name
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identity.properties.clientId
    AZURE_CLIENT_ID: identity.properties.clientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
    TaskHubName: taskHubName
    Sweep__Schedule: sweepSchedule
    Kubernetes__Server: aksAccess.outputs.apiServerUrl
    Kubernetes__UseEntraId: 'true'
    Kubernetes__CertificateAuthorityData: kubernetesCertificateAuthorityData
    Prometheus__Address: prometheusAddress
    Prometheus__AzureMonitorAuthentication: prometheusAzureMonitorAuthentication
    StateStore__ServiceUri: storage.properties.primaryEndpoints.table
    StateStore__TablePrefix: tablePrefix
    StateStore__HistoryRetention: historyRetention
    StateStore__DeliveryTtl: deliveryTtl
    Registry__WatchNamespaces: watchNamespaces
    Registry__LabelSelector: canaryLabelSelector
    Registry__GitOpsTargets: gitOpsTargets
    Registry__GitOpsLabels: gitOpsLabels
    Webhooks__EventWebhookUrl: eventWebhookUrl
    Alerts__ClusterName: alertsClusterName
    Alerts__SlackUrl: slackUrl
    Alerts__SlackToken: slackToken
    Alerts__SlackChannel: slackChannel
    Alerts__SlackUser: slackUser
    Alerts__TeamsUrl: teamsUrl
    Alerts__TeamsFormat: teamsFormat
  }
}

@description('The Function App name (az functionapp deployment source config-zip --name).')
output functionAppName string = app.name

@description('The app host name; the registry webhook is https://<host>/api/registry/events?code=<function key>.')
output functionAppHostName string = app.properties.defaultHostName

@description('Object id of the managed identity: the Kubernetes user name of the app in an Entra-enabled AKS cluster (ClusterRoleBinding subject).')
output identityPrincipalId string = identity.properties.principalId

@description('Client id of the managed identity.')
output identityClientId string = identity.properties.clientId

output storageAccountName string = storage.name

output kubernetesServer string = aksAccess.outputs.apiServerUrl

@description('Resource id of the app\'s VNet (new or the existing subnet\'s); empty with networkMode None.')
output virtualNetworkId string = appVirtualNetworkId
