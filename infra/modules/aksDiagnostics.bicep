// Streams one existing AKS cluster's API-server audit log to the kubetrail hub. Deployed in the cluster's own
// resource group (any subscription of the tenant); main.bicep deploys it once per cluster resource id.
//
// Which audit category:
// - kube-audit (default): every request, reads included. Secret enumeration (get/list of secrets) and exec over
//   WebSockets (a get on pods/exec) are only visible here. The larger volume: on busy clusters most of the log
//   is get/list/watch by controllers and nodes.
// - kube-audit-admin: kube-audit without get and list. Much less to stream and pay for, but the
//   secret-enumeration detection goes blind and exec over WebSockets is missed; the other detections still work.
// The namespace of the hub must be in the cluster's region (an Azure Monitor requirement).

@description('Name of the AKS cluster, in this resource group.')
param clusterName string

@description('Resource id of the Event Hubs namespace authorization rule the setting sends with (Manage, Send, Listen).')
param eventHubAuthorizationRuleId string

@description('Name of the hub in that namespace.')
param eventHubName string

@description('Audit category to stream: kube-audit (all requests) or kube-audit-admin (no get/list; cheaper, blind to secret reads).')
@allowed(['kube-audit', 'kube-audit-admin'])
param auditCategory string = 'kube-audit'

@description('Name of the diagnostic setting (a cluster has at most 5).')
param settingName string = 'kubetrail'

resource cluster 'Microsoft.ContainerService/managedClusters@2024-09-01' existing = {
  name: clusterName
}

resource auditToEventHub 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: cluster
  properties: {
    eventHubAuthorizationRuleId: eventHubAuthorizationRuleId
    eventHubName: eventHubName
    logs: [{ category: auditCategory, enabled: true }]
  }
}

output clusterResourceId string = cluster.id
