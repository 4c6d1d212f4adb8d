// The same page in Vue: the app's provider, a context provider, a member.
import { ContextProvider, defineContext, MizanProvider, useMember } from '@mizan/vue';
import { defineComponent, h } from 'vue';

interface Task {
  id: number;
  title: string;
}
const board = defineContext<{ board_id: number }, { board_tasks: Task[] }>('board', 'BoardContext');

const Tasks = defineComponent({
  setup() {
    const tasks = useMember(board, 'board_tasks');
    return () => h('ul', tasks.value?.map((t) => h('li', { key: t.id }, t.title)) ?? [h('li', 'Loading…')]);
  },
});

export const Board = defineComponent({
  props: { boardId: { type: Number, required: true } },
  setup(props) {
    return () =>
      h(MizanProvider, { config: { baseUrl: '/api/mizan' } }, () =>
        h(ContextProvider, { def: board, params: { board_id: props.boardId } }, () => h(Tasks)),
      );
  },
});
