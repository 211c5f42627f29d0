// What the resolvers receive for each GraphQL type (the codegen mappers point here).
import type { Publisher, User, UserSession } from '@platform/db';

export type UserModel = Pick<User, 'id' | 'email' | 'displayName'>;
export type PublisherModel = Pick<Publisher, 'id' | 'slug' | 'name' | 'type'>;
export interface AuthPayloadModel {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  user: UserModel;
  activePublisher: PublisherModel;
}
export type SessionModel = UserSession & { activePublisher: PublisherModel; current: boolean };
