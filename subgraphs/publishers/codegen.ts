import { subgraphCodegen } from '@platform/server/codegen';

export default subgraphCodegen({
  context: '../context#PublishersContext',
  mappers: { Publisher: '../models#PublisherModel', Membership: '../models#MembershipModel', Role: '../models#RoleModel', User: '../models#UserModel' },
});
