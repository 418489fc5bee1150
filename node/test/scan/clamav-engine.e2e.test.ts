import tap from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { createClamavEngine } from '../../src/scan/clamav-engine.ts'
import { parseScanReply, parseVersion } from '../../src/scan/clamd.ts'
import { TEST_HOOKS } from '../../src/scan/worker-protocol.ts'
import { misbehavingProxy, noClamd, socketDir, startClamd } from './clamd-helpers.ts'
import { engineCompliance } from './engine-compliance.ts'
import { CLAMAV_TESTFILES, eicar, input, noClamavTestfiles, silentLogger } from './yara-helpers.ts'

tap.test('clamd reply parsing', async t => {
  t.same(parseScanReply('stream: OK'), { status: 'clean' })
  t.same(parseScanReply('stream: Win.Test.EICAR_HDB-1 FOUND'), { status: 'found', signature: 'Win.Test.EICAR_HDB-1' })
  t.same(parseScanReply('stream: Heuristics.Encrypted.Zip FOUND'), { status: 'found', signature: 'Heuristics.Encrypted.Zip' })
  t.same(parseScanReply('INSTREAM size limit exceeded. ERROR'), { status: 'too-large' })
  t.same(parseScanReply('stream: Can\'t allocate memory ERROR'), { status: 'error', message: 'stream: Can\'t allocate memory' })
  t.same(parseScanReply(''), { status: 'error', message: 'unexpected reply ""' })
  t.same(parseScanReply('stream: Two Words FOUND'), { status: 'error', message: 'unexpected reply "stream: Two Words FOUND"' })
  t.equal(parseScanReply(`stream: ${'A'.repeat(256)} FOUND`).status, 'error', 'a name over 255 bytes')
  t.equal(parseScanReply('stream: A\u001bB FOUND').status, 'error', 'a control character')
  t.equal(parseScanReply('stream: OK ').status, 'error', 'OK with trailing space')
  t.same(parseVersion('ClamAV 1.4.6'), { version: '1.4.6' })
  t.same(parseVersion('ClamAV 1.4.6/27100/Sun Nov 23 09:30:00 2026'), { version: '1.4.6', dbVersion: '27100', signatureDate: '20261123' })
  t.same(parseVersion('ClamAV 1.4.6/27100/garbage'), { version: '1.4.6', dbVersion: '27100' })
})

tap.test('ClamAV passes the engine compliance test', { skip: noClamd }, async t => {
  const clamd = await startClamd(t)
  const proxy = await misbehavingProxy(t, clamd.socket)
  engineCompliance(t, {
    create: () => createClamavEngine({ address: { socket: clamd.socket }, databaseDir: clamd.databaseDir, timeoutMs: 30_000, logger: silentLogger }),
    detected: input(eicar()),
    clean: input('just some text\n'),
    misbehaving: {
      create: () => createClamavEngine({ address: { socket: proxy.path }, databaseDir: clamd.databaseDir, timeoutMs: 1500, logger: silentLogger }),
      slow: input(TEST_HOOKS.hang),
      crash: input(TEST_HOOKS.crash)
    }
  })
})

tap.test('ClamAV with the project database', { skip: noClamd }, async t => {
  const clamd = await startClamd(t, { hashFiles: ['/usr/bin/true'] })
  const engine = createClamavEngine({ address: { socket: clamd.socket }, databaseDir: clamd.databaseDir, timeoutMs: 30_000, logger: silentLogger })
  await engine.start()
  t.teardown(async () => { await engine.stop() })

  t.test('identity', async st => {
    st.match(engine.version, /^\d+\.\d+\.\d+/)
    st.match(engine.signatureDate, /^20\d{6}$/, 'dated by the database directory')
  })

  t.test('EICAR and the sigtool hash list', async st => {
    st.same(await engine.scan(input(eicar())), { engine: 'ClamAV', engineVersion: engine.version, engineUpdate: engine.signatureDate, category: 'malicious', result: 'VirusMap.Test.EICAR', method: 'blacklist' })
    st.equal((await engine.scan(input(readFileSync('/usr/bin/true')))).result, 'VirusMap.Hash.true', 'sigtool --sha256 entry')
  })

  t.test('every ClamAV test file is detected through clamd\'s own unpackers', { skip: noClamavTestfiles }, async st => {
    const files = readdirSync(CLAMAV_TESTFILES).toSorted()
    const results = await Promise.all(files.map(async name => await engine.scan(input(readFileSync(join(CLAMAV_TESTFILES, name))))))
    results.forEach((r, i) => { st.same([r.category, r.result], ['malicious', 'VirusMap.Test.ClamAVTestFile'], files[i] ?? '') })
  })

  t.test('benign and hostile inputs', async st => {
    for (const bytes of [new Uint8Array(), readFileSync('/bin/ls'), new Uint8Array(1 << 20), Buffer.from('PK\x03\x04garbage-zip'), Buffer.from('%PDF-1.7\n' + '<<'.repeat(10_000))]) {
      st.equal((await engine.scan(input(bytes))).category, 'undetected')
    }
  })

  t.test('over StreamMaxLength: failure without sending', async st => {
    const small = createClamavEngine({ address: { socket: clamd.socket }, timeoutMs: 30_000, maxStreamBytes: 1024, logger: silentLogger })
    await small.start()
    st.equal((await small.scan(input(new Uint8Array(2048)))).category, 'failure')
    st.equal(small.signatureDate, '19700101', 'no databaseDir and no dated VERSION')
  })

  t.test('a killed clamd yields failure; a restarted one is used without restarting the engine', async st => {
    await clamd.kill()
    st.equal((await engine.scan(input(eicar()))).category, 'failure')
    await clamd.restart()
    st.equal((await engine.scan(input(eicar()))).category, 'malicious')
  })
})

tap.test('ClamAV sessions against a real clamd', { skip: noClamd }, async t => {
  const clamd = await startClamd(t)
  const proxy = await misbehavingProxy(t, clamd.socket)
  const engine = createClamavEngine({ address: { socket: proxy.path }, timeoutMs: 30_000, concurrency: 2, logger: silentLogger })
  await engine.start()
  t.teardown(async () => { await engine.stop() })

  t.test('many scans reuse a session per scan in flight', async st => {
    const before = proxy.connections
    const results = await Promise.all(Array.from({ length: 200 }, async (_, i) => await engine.scan(input(i % 4 === 0 ? eicar() : `clean ${i}\n`))))
    st.same(results.map(r => r.category), results.map((_, i) => i % 4 === 0 ? 'malicious' : 'undetected'), 'clamd\'s reply ids keep each scan\'s own result')
    st.ok(proxy.connections - before <= 2, `200 scans over ${proxy.connections - before} connections`)
  })

  t.test('clamd killed mid-session then restarted', async st => {
    // the proxy holds this scan, so it is in flight on a live clamd session when clamd dies
    const inFlight = engine.scan(input(TEST_HOOKS.hang))
    await new Promise(resolve => setTimeout(resolve, 100))
    await clamd.kill()
    st.equal((await inFlight).category, 'failure', 'the scan in flight fails')
    st.equal((await engine.scan(input(eicar()))).category, 'failure', 'so does one while clamd is down')
    await clamd.restart()
    const before = proxy.connections
    const after = await Promise.all(Array.from({ length: 20 }, async () => await engine.scan(input(eicar()))))
    st.same(new Set(after.map(r => r.category)), new Set(['malicious']), 'the restarted clamd is used')
    st.ok(proxy.connections - before <= 2, 'over new sessions, reused again')
  })

  t.test('aborting one scan leaves the other sessions scanning', async st => {
    const controller = new AbortController()
    const aborted = engine.scan(input(TEST_HOOKS.hang), { signal: controller.signal })
    const neighbour = engine.scan(input(eicar()))
    setTimeout(() => { controller.abort(new Error('job cancelled')) }, 50)
    await st.rejects(aborted, { code: 'SCAN_ABORTED' })
    st.equal((await neighbour).category, 'malicious')
  })
})

tap.test('a sample over clamd\'s own StreamMaxLength is a failure, and the engine goes on', { skip: noClamd }, async t => {
  const clamd = await startClamd(t, { streamMaxLength: '1M' })
  const engine = createClamavEngine({ address: { socket: clamd.socket }, timeoutMs: 30_000, maxStreamBytes: 64 * 2 ** 20, logger: silentLogger })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  t.equal((await engine.scan(input('before'))).category, 'undetected')
  t.equal((await engine.scan(input(new Uint8Array(4 * 2 ** 20)))).category, 'failure', 'refused by clamd')
  t.equal((await engine.scan(input(eicar()))).category, 'malicious', 'the next scan works')
})

tap.test('start fails clearly when clamd is absent or is not clamd', async t => {
  const dir = socketDir(t)
  await t.rejects(createClamavEngine({ address: { socket: join(dir, 'none.sock') }, timeoutMs: 1000 }).start(), { code: 'ENGINE_UNAVAILABLE' })
  const impostor = createServer(s => { s.end('HTTP/1.1 400 Bad Request\r\n\r\n\0') })
  await new Promise<void>(resolve => { impostor.listen(join(dir, 'imp.sock'), resolve) })
  t.teardown(() => { impostor.close() })
  await t.rejects(createClamavEngine({ address: { socket: join(dir, 'imp.sock') }, timeoutMs: 1000 }).start(), { code: 'ENGINE_UNAVAILABLE' })
})
