// The app's identity on an existing AKS cluster (in the cluster's resource group). Azure RBAC for
// Kubernetes built-in roles do not cover custom resources (flagger.app, gateway.networking.k8s.io):
// apply infra/kubernetes/rbac/clusterrolebinding-entra.yaml with the identity's object id for those.
targetScope = 'resourceGroup'

param aksClusterName string

@description('Object id of the identity.')
param principalId string

param assignRbacWriter bool = true

@description('Address the private FQDN instead of the public one.')
param privateCluster bool = false

var aksRbacWriter = 'a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb'

resource aks 'Microsoft.ContainerService/managedClusters@2024-09-01' existing = {
  name: aksClusterName
}

resource writer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (assignRbacWriter) {
  name: guid(aks.id, principalId, aksRbacWriter)
  scope: aks
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', aksRbacWriter)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

@description('The API server URL for Kubernetes__Server.')
output apiServerUrl string = 'https://${privateCluster ? aks.properties.privateFQDN : aks.properties.fqdn}:443'
