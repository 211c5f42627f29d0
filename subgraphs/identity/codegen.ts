import { subgraphCodegen } from '@platform/graphql-edge/codegen';

export default subgraphCodegen({
  context: '../context#IdentityContext',
  mappers: {
    User: '../models#UserModel',
    Publisher: '../models#PublisherModel',
    AuthPayload: '../models#AuthPayloadModel',
    Session: '../models#SessionModel',
    Directory: '../directory/directory-settings#DirectoryModel',
    DirectorySyncResult: '../directory/directory-sync#SyncResult',
    PartnerClient: '../partners/partner-clients#PartnerClientModel',
    SecurityOverview: '../security/security-overview#SecurityOverviewModel',
    SecurityEvent: '../security/security-overview#SecurityEventModel',
  },
});
