// Log Analytics workspace and workspace-based Application Insights; ingestion needs Entra ID (local auth off).

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Azure region of both resources.')
param location string

@description('Tags applied to both resources.')
param tags object = {}

@minValue(30)
@maxValue(730)
@description('Days the workspace keeps logs; 30 days of retention are included in the ingestion price.')
param retentionInDays int = 30

@description('Daily ingestion cap in GB, a guard against a runaway bill; -1 means no cap (telemetry past the cap is dropped).')
param dailyQuotaGb int = -1

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    workspaceCapping: {
      dailyQuotaGb: dailyQuotaGb
    }
    features: {
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    // Telemetry must be sent with an Entra ID token (Monitoring Metrics Publisher), not the instrumentation key alone.
    DisableLocalAuth: true
  }
}

@description('Resource ID of the Log Analytics workspace (Container Apps diagnostics go there).')
output workspaceId string = workspace.id

@description('Resource ID of Application Insights (alerts.bicep queries its requests and traces).')
output appInsightsId string = appInsights.id

@description('Name of the Application Insights component (roles.bicep scopes Monitoring Metrics Publisher to it).')
output appInsightsName string = appInsights.name

@description('Application Insights connection string (not a secret: with local auth off it cannot ingest without a token).')
output appInsightsConnectionString string = appInsights.properties.ConnectionString
