import { ActivityReporter, REPORT_INTERVAL_MS } from './activity-reporter';
import type { ActivityReport } from './worker-messages';

const params = (uri: string): Map<string, string> =>
  new Map([
    ['REQUEST_METHOD', 'GET'],
    ['REQUEST_URI', uri],
    ['SCRIPT_FILENAME', '/srv/app.js'],
  ]);
const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('ActivityReporter', () => {
  it('reports a request before its handler runs when a report is due, and batches what follows', async () => {
    const reports: ActivityReport[] = [];
    const activity = new ActivityReporter((report) => reports.push(report));
    activity.begin(1, params('/a'));
    // Sent at once: the master knows what runs even if the handler never yields.
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ started: 1, running: [{ id: 1, uri: '/a' }], last: null });
    activity.end(1, 1500, 0, 0);
    activity.begin(2, params('/b'));
    activity.end(2, 700, 0, 0);
    expect(reports).toHaveLength(1);
    await settle(REPORT_INTERVAL_MS + 50);
    expect(reports).toHaveLength(2);
    expect(reports[1]).toMatchObject({ started: 1, running: [], last: { uri: '/b', durationUs: 700 } });
  });

  it('answers a query even when nothing changed, and stays quiet otherwise', async () => {
    const reports: ActivityReport[] = [];
    const activity = new ActivityReporter((report) => reports.push(report));
    activity.flush();
    expect(reports).toHaveLength(0);
    activity.flush(true);
    expect(reports).toEqual([{ type: 'activity', started: 0, running: [], last: null }]);
    await settle(REPORT_INTERVAL_MS + 50);
    expect(reports).toHaveLength(1);
  });
});
