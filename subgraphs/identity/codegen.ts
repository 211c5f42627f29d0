import { subgraphCodegen } from '@platform/server/codegen';

export default subgraphCodegen({
  context: '../context#IdentityContext',
  mappers: {
    User: '../models#UserModel',
    Publisher: '../models#PublisherModel',
    AuthPayload: '../models#AuthPayloadModel',
    Session: '../models#SessionModel',
  },
});
