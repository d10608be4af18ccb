import { AsOf } from './AsOf.tsx';
import { ConnectionIndicator } from './ConnectionIndicator.tsx';
import { TotalsBar } from './TotalsBar.tsx';

export function Header() {
  return (
    <header className="app-header">
      <div className="brand">
        <h1>Stratdesk</h1>
        <div className="header-meta">
          <AsOf />
          <ConnectionIndicator />
        </div>
      </div>
      <TotalsBar />
    </header>
  );
}
