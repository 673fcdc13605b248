// The Function app on Flex Consumption (Node 22) with a system-assigned identity: every connection it makes
// (host storage, Event Hubs, Table Storage, Logs Ingestion, Application Insights) uses that identity; no key
// or connection string is stored in its settings.

param name string
param planName string
param appInsightsName string
param location string
param tags object = {}

@description('Storage account for the host, the deployment package and the state tables.')
param storageAccountName string
param deploymentContainerUrl string
param tableEndpoint string

param eventHubFullyQualifiedNamespace string
param eventHubName string
param consumerGroupName string

param logsIngestionEndpoint string
param dataCollectionRuleImmutableId string
param streamName string

@description('Workspace Application Insights stores telemetry in.')
param workspaceResourceId string

@description('Detection settings file, relative to the app root (see README); empty for the defaults.')
param configFile string = ''

@description('Most instances the app scales out to (Flex Consumption: 40 to 1000). The hub\'s partition count bounds the useful number.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspaceResourceId
    // Entra ID only: the app authenticates with its identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
    DisableLocalAuth: true
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd deploys the `api` service of azure.yaml to the app carrying this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: { name: 'node', version: '22' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // Flex Consumption takes no FUNCTIONS_WORKER_RUNTIME or WEBSITE_RUN_FROM_PACKAGE: functionAppConfig says it.
      appSettings: [
        // Host storage, by identity.
        { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        // The Event Hub trigger (functions/index.ts): connection "EventHubConnection", %EVENTHUB_NAME%, %EVENTHUB_CONSUMER_GROUP%.
        { name: 'EventHubConnection__fullyQualifiedNamespace', value: eventHubFullyQualifiedNamespace }
        { name: 'EventHubConnection__credential', value: 'managedidentity' }
        { name: 'EVENTHUB_NAME', value: eventHubName }
        { name: 'EVENTHUB_CONSUMER_GROUP', value: consumerGroupName }
        // kubetrail's own settings (functions/settings.ts).
        { name: 'KUBETRAIL_STATE', value: tableEndpoint }
        { name: 'KUBETRAIL_INGESTION_ENDPOINT', value: logsIngestionEndpoint }
        { name: 'KUBETRAIL_DCR_ID', value: dataCollectionRuleImmutableId }
        { name: 'KUBETRAIL_STREAM', value: streamName }
        { name: 'KUBETRAIL_CONFIG_FILE', value: configFile }
        // Telemetry with Entra ID auth; the connection string only locates the resource.
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD' }
      ]
    }
  }
}

output name string = site.name
output principalId string = site.identity.principalId
output appInsightsName string = appInsights.name
