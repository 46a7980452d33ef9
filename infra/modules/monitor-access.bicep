// Monitoring Data Reader on an existing Azure Monitor workspace, so the app can query managed Prometheus.
targetScope = 'resourceGroup'

param workspaceName string

@description('Object id of the identity.')
param principalId string

var monitoringDataReader = 'b0d8363b-8ddd-447d-831f-62ca05bff136'

resource workspace 'Microsoft.Monitor/accounts@2023-04-03' existing = {
  name: workspaceName
}

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(workspace.id, principalId, monitoringDataReader)
  scope: workspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringDataReader)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

@description('The workspace query endpoint, for Prometheus__Address.')
output queryEndpoint string = workspace.properties.metrics.prometheusQueryEndpoint
