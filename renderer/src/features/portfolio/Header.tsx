import { AlertsButton } from '../alerts/Alerts.tsx';
import { AsOf } from './AsOf.tsx';
import { CatchUpSummary } from './CatchUp.tsx';
import { ConnectionIndicator } from './ConnectionIndicator.tsx';
import { StopAllButton } from './StopAll.tsx';
import { SyncLight } from './SyncLight.tsx';
import { ThemeSelect } from '../../components/ThemeControl.tsx';
import { TotalsBar } from './TotalsBar.tsx';
import { SetupButton } from '../setup/SetupPanelLazy.tsx';
import { VaultButton } from '../vault/VaultPanel.tsx';

export function Header() {
  return (
    <header className="app-header">
      <div className="brand">
        <div className="brand-left">
          <h1>Stratdesk</h1>
          <SyncLight />
          <CatchUpSummary />
        </div>
        <div className="header-meta">
          <AsOf />
          <ConnectionIndicator />
          <AlertsButton />
          <SetupButton />
          <VaultButton />
          <ThemeSelect />
          <StopAllButton />
        </div>
      </div>
      <TotalsBar />
    </header>
  );
}
