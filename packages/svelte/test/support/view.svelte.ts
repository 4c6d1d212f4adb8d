/** What `Harness` shows; a `$state` proxy, so a test changes the page by assigning to it. */
export interface View {
  /** One `<UserContext>` per entry (with a `Name` and a `Status`), or `null` for none at that place. */
  users: (number | null)[];
  orders: boolean;
}

export function view(initial: View): View {
  const state = $state(initial);
  return state;
}

/** What `ChatHarness` shows: one chat per room, a `$state` proxy. */
export function rooms(list: string[]): { list: string[] } {
  const state = $state({ list });
  return state;
}
