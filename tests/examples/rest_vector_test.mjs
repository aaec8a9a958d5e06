// examples/mintCredentials.mjs against the TURN REST API draft's vector, byte-exact.
import assert from 'node:assert/strict';

import { mint } from '../../examples/mintCredentials.mjs';

// draft-uberti-behave-turn-rest: secret "crypt1c", username "1256900400" (an expiry with
// no user part).
assert.deepEqual(mint('crypt1c', '', 0, 1256900400), {
  username: '1256900400',
  credential: 'uEKlpcME7MNMMVRV8rUFPCTIFEs=',
});
assert.equal(mint('crypt1c', 'alice', 600, 1000).username, '1600:alice');
console.log('ok: REST API vector');
