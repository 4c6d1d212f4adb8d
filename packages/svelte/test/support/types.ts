import type { Order, Profile } from '../../../base/test/support/app.js';

export type { Order, Profile };

export interface UserContextParams {
  user_id: number;
}

export interface UserContextData {
  user_orders: Order[];
  user_profile: Profile;
}

export interface RenameUserArgs {
  name: string;
  user_id: number;
}
