import { useCommands, useStratdesk } from '../store/hooks.ts';

export function Toolbar() {
  const commands = useCommands();
  const isApplying = useStratdesk((state) => state.rebalance.phase === 'applying');
  return (
    <div className="toolbar">
      <button type="button" className="button" disabled={isApplying} onClick={() => void commands.planRebalance(null)}>
        Rebalance
      </button>
    </div>
  );
}
