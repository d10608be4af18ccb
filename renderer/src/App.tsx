import { AlertsPanel } from './components/Alerts.tsx';
import { ConfirmDialog } from './components/ConfirmDialog.tsx';
import { DetailPanel } from './components/DetailPanel.tsx';
import { ErrorBanner } from './components/ErrorBanner.tsx';
import { Header } from './components/Header.tsx';
import { RebalancePanel } from './components/RebalancePanel.tsx';
import { StopAllDialog } from './components/StopAll.tsx';
import { StrategiesTable } from './components/StrategiesTable.tsx';
import { ThemeSync } from './components/ThemeControl.tsx';
import { Toolbar } from './components/Toolbar.tsx';
import { VaultPanel } from './components/VaultPanel.tsx';
import { AppServicesContext, type AppServices } from './store/hooks.ts';

export function App({ services }: { services: AppServices }) {
  return (
    <AppServicesContext value={services}>
      <ThemeSync />
      <div className="app">
        <Header />
        <AlertsPanel />
        <main className="content">
          <ErrorBanner />
          <Toolbar />
          <RebalancePanel />
          <StrategiesTable />
        </main>
        <DetailPanel />
        <VaultPanel />
        <ConfirmDialog />
        <StopAllDialog />
      </div>
    </AppServicesContext>
  );
}
