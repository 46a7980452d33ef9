// Parameters of eventgrid.bicep. The endpoint carries the function key, so it comes from the environment:
//   export FLAGGER_REGISTRY_WEBHOOK_URL="https://<app host>/api/registry/events?code=<key>"
//   az deployment group create -g <registry rg> --template-file infra/eventgrid.bicep --parameters infra/eventgrid.bicepparam
using 'eventgrid.bicep'

param registryName = 'acrprod'
param webhookEndpointUrl = readEnvironmentVariable('FLAGGER_REGISTRY_WEBHOOK_URL', '')
