// Alert rules for what an operator must act on (docs/deploy.md, "Alerts"): failed feedback steps, API and function
// failures, relay restarts and capacity, Speech errors, TURN VMs down, Cosmos DB throttling. With an e-mail address
// they notify it through one action group; without one they still fire and show under Monitor > Alerts.

@description('Azure region of the log alert rules (metric alert rules are global).')
param location string

@description('Tags applied to every rule.')
param tags object = {}

@description('E-mail address the alerts notify; empty: no action group, the alerts only show in the portal.')
param alertEmail string = ''

@description('Resource ID of Application Insights (the Function App\'s requests and its host\'s traces).')
param appInsightsId string

@description('Resource ID of the Log Analytics workspace (the relay\'s console logs, table ContainerAppConsoleLogs).')
param workspaceId string

@description('Resource ID of the relay container app.')
param relayId string

@description('Name of the relay container app (ContainerAppName in its console logs).')
param relayName string

@description('Resource ID of the Cosmos DB account.')
param cosmosId string

@description('Resource IDs of the TURN VMs this deployment runs (none with a TURN service of one\'s own).')
param turnVmIds array = []

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'rehearse-operators'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'rehearse'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroupId = resourceId('Microsoft.Insights/actionGroups', 'rehearse-operators')
var metricActions = empty(alertEmail) ? [] : [
  {
    actionGroupId: actionGroupId
  }
]
var logActions = {
  actionGroups: empty(alertEmail) ? [] : [
    actionGroupId
  ]
}

// -- log alerts -----------------------------------------------------------------------------------------------------------
resource poisonMessages 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: 'rehearse-poison-messages'
  location: location
  tags: tags
  dependsOn: [
    actionGroup
  ]
  kind: 'LogAlert'
  properties: {
    displayName: 'rehearse-poison-messages'
    description: 'A queue message failed maxDequeueCount (5) times and went to its -poison queue: that answer or interview has no score, summary or report until the message is replayed.'
    severity: 1
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'traces | where message has "MaxDequeueCount"'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    // a fresh workspace has no ContainerAppConsoleLogs rows yet: validating the query then would fail the deployment
    skipQueryValidation: true
    actions: logActions
  }
}

resource functionFailures 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: 'rehearse-function-failures'
  location: location
  tags: tags
  dependsOn: [
    actionGroup
  ]
  kind: 'LogAlert'
  properties: {
    displayName: 'rehearse-function-failures'
    description: 'More than 5 failed API requests (5xx) or queue-function runs in 15 minutes. 4xx answers (bad input, 401, 429 quota_exceeded) are expected and not counted.'
    severity: 2
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'requests | where success == false and not(resultCode startswith "4")'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 5
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    // a fresh workspace has no ContainerAppConsoleLogs rows yet: validating the query then would fail the deployment
    skipQueryValidation: true
    actions: logActions
  }
}

resource speechErrors 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: 'rehearse-speech-errors'
  location: location
  tags: tags
  dependsOn: [
    actionGroup
  ]
  kind: 'LogAlert'
  properties: {
    displayName: 'rehearse-speech-errors'
    description: 'The relay logged Azure Speech failures (recognition or synthesis): the live transcript or the interviewer\'s voice fails. The log line names the cause: role missing, quota (F0 allows one recognition at a time), network or endpoint.'
    severity: 1
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'ContainerAppConsoleLogs | where ContainerAppName == "${relayName}" and Log has "Azure Speech" and Log has "failed"'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    // a fresh workspace has no ContainerAppConsoleLogs rows yet: validating the query then would fail the deployment
    skipQueryValidation: true
    actions: logActions
  }
}

resource relayBusy 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: 'rehearse-relay-busy'
  location: location
  tags: tags
  dependsOn: [
    actionGroup
  ]
  kind: 'LogAlert'
  properties: {
    displayName: 'rehearse-relay-busy'
    description: 'The relay refused interviews with 503 relay_busy: every replica is at relayMaxLiveSessions or relayMaxReplicas is reached. Raise them.'
    severity: 2
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'ContainerAppConsoleLogs | where ContainerAppName == "${relayName}" and Log has "relay is at capacity"'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    // a fresh workspace has no ContainerAppConsoleLogs rows yet: validating the query then would fail the deployment
    skipQueryValidation: true
    actions: logActions
  }
}

// -- metric alerts --------------------------------------------------------------------------------------------------------
resource relayRestarts 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'rehearse-relay-restarts'
  location: 'global'
  tags: tags
  dependsOn: [
    actionGroup
  ]
  properties: {
    description: 'A relay replica restarted (a crash or failed /healthz probes): live interviews on it reconnect to another replica.'
    severity: 2
    enabled: true
    scopes: [
      relayId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'restarts'
          metricNamespace: 'Microsoft.App/containerApps'
          metricName: 'RestartCount'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    actions: metricActions
  }
}

resource cosmosThrottling 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'rehearse-cosmos-throttling'
  location: 'global'
  tags: tags
  dependsOn: [
    actionGroup
  ]
  properties: {
    description: 'Cosmos DB answered more than 10 requests with 429 in 5 minutes: serverless capacity is reached; writes retry and transcripts may lag.'
    severity: 3
    enabled: true
    scopes: [
      cosmosId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'throttled'
          metricNamespace: 'Microsoft.DocumentDB/databaseAccounts'
          metricName: 'TotalRequests'
          dimensions: [
            {
              name: 'StatusCode'
              operator: 'Include'
              values: [
                '429'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 10
          timeAggregation: 'Count'
        }
      ]
    }
    actions: metricActions
  }
}

resource turnDown 'Microsoft.Insights/metricAlerts@2018-03-01' = [for i in range(0, length(turnVmIds)): {
  name: 'rehearse-turn-vm-down-${i + 1}'
  location: 'global'
  tags: tags
  dependsOn: [
    actionGroup
  ]
  properties: {
    description: 'TURN VM ${i + 1} is unavailable: with one VM (turnVmCount 1) no new interview gets audio; with two, the other carries them.'
    severity: 1
    enabled: true
    scopes: [
      turnVmIds[i]
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'available'
          metricNamespace: 'Microsoft.Compute/virtualMachines'
          metricName: 'VmAvailabilityMetric'
          operator: 'LessThan'
          threshold: 1
          timeAggregation: 'Average'
        }
      ]
    }
    actions: metricActions
  }
}]

@description('Names of the alert rules (docs/deploy.md, "Alerts").')
output names array = [
  poisonMessages.name
  functionFailures.name
  speechErrors.name
  relayBusy.name
  relayRestarts.name
  cosmosThrottling.name
]
