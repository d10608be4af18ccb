import { ErrorBanner } from './components/ErrorBanner.tsx';
import { Header } from './components/Header.tsx';
import { RebalancePanel } from './components/RebalancePanel.tsx';
import { StrategiesTable } from './components/StrategiesTable.tsx';
import { Toolbar } from './components/Toolbar.tsx';
import { AppServicesContext, type AppServices } from './store/hooks.ts';

export function App({ services }: { services: AppServices }) {
  return (
    <AppServicesContext value={services}>
      <div className="app">
        <Header />
        <main className="content">
          <ErrorBanner />
          <Toolbar />
          <RebalancePanel />
          <StrategiesTable />
        </main>
      </div>
    </AppServicesContext>
  );
}
