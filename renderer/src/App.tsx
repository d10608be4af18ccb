import { AlertsPanel } from './features/alerts/Alerts.tsx';
import { ConfirmDialog } from './features/instances/ConfirmDialog.tsx';
import { DetailPanel } from './features/detail/DetailPanel.tsx';
import { ControlNoticeBar } from './features/portfolio/ControlNoticeBar.tsx';
import { ErrorBanner } from './components/ErrorBanner.tsx';
import { Header } from './features/portfolio/Header.tsx';
import { RebalancePanel } from './features/rebalance/RebalancePanel.tsx';
import { StopAllDialog } from './features/portfolio/StopAll.tsx';
import { StrategiesTable } from './features/instances/StrategiesTable.tsx';
import { ThemeSync } from './components/ThemeControl.tsx';
import { Toolbar } from './features/instances/Toolbar.tsx';
import { VaultPanel } from './features/vault/VaultPanel.tsx';
import { SetupPanel } from './features/setup/SetupPanelLazy.tsx';
import { AppServicesContext, type AppServices } from './store/hooks.ts';
import { Part } from './components/Part.tsx';

export function App({ services }: { services: AppServices }) {
  return (
    <AppServicesContext value={services}>
      <ThemeSync />
      <div className="app">
        <Part id="header">
          <Header />
        </Part>
        <AlertsPanel />
        <main className="content">
          <ErrorBanner />
          <ControlNoticeBar />
          <Toolbar />
          <RebalancePanel />
          <Part id="table">
            <StrategiesTable />
          </Part>
        </main>
        <Part id="detail">
          <DetailPanel />
        </Part>
        <VaultPanel />
        <SetupPanel />
        <ConfirmDialog />
        <StopAllDialog />
      </div>
    </AppServicesContext>
  );
}
