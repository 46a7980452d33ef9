// Links an existing private DNS zone (in this resource group) to a virtual network, so that names in the
// zone resolve from it: the private AKS cluster's API server zone (privatelink.<region>.azmk8s.io, in the
// cluster's node resource group unless the cluster was given a zone of its own).
targetScope = 'resourceGroup'

param zoneName string

param virtualNetworkId string

param linkName string

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' existing = {
  name: zoneName
}

resource link 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: zone
  name: linkName
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkId
    }
  }
}
