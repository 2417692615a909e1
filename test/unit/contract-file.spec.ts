import { writeFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { loadContractFile, parseContract } from '../../src/config/contract-file';
import { defaultContract } from '../../src/contract/contract';

test('a partial contract replaces only what it names', () => {
  const r = parseContract({ aliases: { 'run.begin': 'agent_started' }, fallback: { toolNames: ['canned_tool'] } }, 'test');
  expect(r.ok).toBe(true);
  if (!r.ok) return;
  expect(r.contract.aliases).toEqual({ 'run.begin': 'agent_started' });
  expect(r.contract.fallback).toEqual({ toolNames: ['canned_tool'], answerPrefixes: defaultContract.fallback.answerPrefixes });
  expect(r.contract.events).toEqual(defaultContract.events);
});

test('every mistake is reported at once, with its field path', () => {
  const r = parseContract(
    {
      events: { started: '', finished: 'x' },
      containers: [],
      fields: { runId: 'run_id' },
      answerEvents: [{ type: 'agent_response' }],
      aliases: { 'run.begin': 3 },
      errorEvents: [1],
    },
    'PROBE_CONTRACT (c.json)',
  );
  expect(r).toEqual({
    ok: false,
    problems: [
      'PROBE_CONTRACT (c.json): events.started must be a non-empty string',
      'PROBE_CONTRACT (c.json): events.finished is not a contract field; known: started, thinking, toolExecuting, toolCompleted, completed',
      'PROBE_CONTRACT (c.json): containers must not be empty',
      'PROBE_CONTRACT (c.json): fields.runId must be an array',
      'PROBE_CONTRACT (c.json): answerEvents[0].paths is missing',
      'PROBE_CONTRACT (c.json): aliases.run.begin must be a non-empty string (the canonical event name)',
      'PROBE_CONTRACT (c.json): errorEvents[0] must be a non-empty string',
    ],
  });
});

test('rootAgents: a list of agent names, checked like the other lists', () => {
  const ok = parseContract({ rootAgents: ['Supervisor', 'orchestrator'] }, 'test');
  expect(ok.ok && ok.contract.rootAgents).toEqual(['Supervisor', 'orchestrator']);
  expect(defaultContract.rootAgents).toEqual([]);
  expect(parseContract({ rootAgents: 'Supervisor' }, 'c')).toEqual({ ok: false, problems: ['c: rootAgents must be an array'] });
  expect(parseContract({ rootAgents: [''] }, 'c')).toEqual({ ok: false, problems: ['c: rootAgents[0] must be a non-empty string'] });
});

test('a file that is missing or not JSON is named with the cause', ({}, testInfo) => {
  expect(loadContractFile('/nonexistent/contract.json')).toEqual({
    ok: false,
    problems: ['PROBE_CONTRACT: cannot read /nonexistent/contract.json: ENOENT'],
  });
  const bad = testInfo.outputPath('bad.json');
  writeFileSync(bad, '{ "aliases": ');
  const r = loadContractFile(bad);
  expect(r.ok).toBe(false);
  expect(!r.ok && r.problems[0]).toContain(`PROBE_CONTRACT: ${bad} is not valid JSON`);
});
