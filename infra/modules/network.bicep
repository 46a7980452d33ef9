// A virtual network for the Function App's outbound VNet integration (Flex Consumption): a subnet
// delegated to Microsoft.App/environments for the app, an optional subnet for private endpoints, and an
// optional peering to the cluster's virtual network (this side; the cluster side is vnet-peering.bicep).
targetScope = 'resourceGroup'

param name string

param location string

@description('Address space of the virtual network; must not overlap the cluster\'s VNet when peered.')
param addressPrefix string

@description('Prefix of the app subnet (delegated to Microsoft.App/environments; one address per app instance).')
param appSubnetPrefix string

@description('Name of the app subnet (Flex Consumption refuses subnet names with underscores).')
param appSubnetName string = 'flagger-app'

@description('Prefix of the private endpoint subnet; empty for none.')
param privateEndpointSubnetPrefix string = ''

param privateEndpointSubnetName string = 'private-endpoints'

@description('Resource id of the cluster\'s virtual network to peer with; empty for no peering.')
param peerVirtualNetworkId string = ''

param tags object = {}

var appSubnet = [
  {
    name: appSubnetName
    properties: {
      addressPrefix: appSubnetPrefix
      delegations: [
        {
          name: 'flex-consumption'
          properties: {
            serviceName: 'Microsoft.App/environments'
          }
        }
      ]
    }
  }
]

var privateEndpointSubnet = empty(privateEndpointSubnetPrefix)
  ? []
  : [
      {
        name: privateEndpointSubnetName
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    // Subnets inline: a separate subnet resource would be removed by the next deployment of the VNet.
    subnets: concat(appSubnet, privateEndpointSubnet)
  }
}

resource peering 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-05-01' = if (!empty(peerVirtualNetworkId)) {
  parent: vnet
  name: 'to-${last(split(peerVirtualNetworkId, '/'))}'
  properties: {
    remoteVirtualNetwork: {
      id: peerVirtualNetworkId
    }
    allowVirtualNetworkAccess: true
    allowForwardedTraffic: false
    allowGatewayTransit: false
    useRemoteGateways: false
  }
}

output id string = vnet.id

output appSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', name, appSubnetName)

output privateEndpointSubnetId string = empty(privateEndpointSubnetPrefix)
  ? ''
  : resourceId('Microsoft.Network/virtualNetworks/subnets', name, privateEndpointSubnetName)
