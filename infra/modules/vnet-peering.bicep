// The cluster side of the peering between the app's virtual network and the cluster's (in the cluster
// VNet's resource group). A peering connects only once both sides exist.
targetScope = 'resourceGroup'

@description('Name of the existing (cluster) virtual network in this resource group.')
param localVirtualNetworkName string

@description('Resource id of the app\'s virtual network.')
param remoteVirtualNetworkId string

resource local 'Microsoft.Network/virtualNetworks@2024-05-01' existing = {
  name: localVirtualNetworkName
}

resource peering 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-05-01' = {
  parent: local
  name: 'to-${last(split(remoteVirtualNetworkId, '/'))}'
  properties: {
    remoteVirtualNetwork: {
      id: remoteVirtualNetworkId
    }
    allowVirtualNetworkAccess: true
    allowForwardedTraffic: false
    allowGatewayTransit: false
    useRemoteGateways: false
  }
}
