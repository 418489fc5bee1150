// Isolated-world half of the content script: relays the main-world script's questions to the
// service worker over a private MessageChannel, so page scripts cannot read or forge the answers
// (they can only see the one hello message, which is sent before any page script runs).
{
  const HELLO = 'virusmap-guard:hello'
  let connected = false
  const connect = (port) => {
    connected = true
    port.addEventListener('message', (event) => {
      const { id, path, body } = event.data ?? {}
      if (typeof id !== 'number' || typeof path !== 'string') return
      chrome.runtime.sendMessage({ path, body }).then(
        (answer) => { port.postMessage({ id, answer }) },
        () => { port.postMessage({ id, answer: { decision: 'unverified', findings: [], reason: 'the extension is not running' } }) }
      )
    })
    port.start()
    port.postMessage({ ready: true })
  }
  window.addEventListener('message', (event) => {
    if (connected || event.source !== window || event.data !== HELLO || event.ports.length !== 1) return
    connect(event.ports[0])
  })
  // the main-world script may have said hello before this script ran: ask it to say it again
  window.postMessage('virusmap-guard:bridge-ready', '*')
}
