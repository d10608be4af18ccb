import { AlertsButton } from './Alerts.tsx';
import { AsOf } from './AsOf.tsx';
import { ConnectionIndicator } from './ConnectionIndicator.tsx';
import { SyncLight } from './SyncLight.tsx';
import { ThemeSelect } from './ThemeControl.tsx';
import { TotalsBar } from './TotalsBar.tsx';

export function Header() {
  return (
    <header className="app-header">
      <div className="brand">
        <div className="brand-left">
          <h1>Stratdesk</h1>
          <SyncLight />
        </div>
        <div className="header-meta">
          <AsOf />
          <ConnectionIndicator />
          <AlertsButton />
          <ThemeSelect />
        </div>
      </div>
      <TotalsBar />
    </header>
  );
}
