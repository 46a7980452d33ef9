// Event Grid on an existing Azure Container Registry: a system topic and a webhook subscription that
// delivers ImagePushed events (Event Grid schema) to the app's registry endpoint. Deploy into the
// registry's resource group after the app's code is published: Event Grid validates the endpoint
// (the app answers the validation handshake) when the subscription is created.
targetScope = 'resourceGroup'

@description('Name of the existing container registry (in this resource group).')
param registryName string

@description('Region of the registry (a system topic lives in its source\'s region).')
param location string = resourceGroup().location

@description('Name of the system topic.')
param systemTopicName string = '${registryName}-events'

@description('Name of the event subscription.')
param subscriptionName string = 'flagger-functions'

@description('https://<app host>/api/registry/events?code=<function key>: the key makes it a secret.')
@secure()
param webhookEndpointUrl string

@description('How long Event Grid retries a delivery (minutes); the app dedupes event ids for StateStore__DeliveryTtl.')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 30

param tags object = {}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: location
  tags: tags
  properties: {
    source: registry.id
    topicType: 'Microsoft.ContainerRegistry.Registries'
  }
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: subscriptionName
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: webhookEndpointUrl
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.ContainerRegistry.ImagePushed'
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
  }
}

output systemTopicId string = topic.id
