import t from 'tap'
import { Definitions, LimitError } from '../../src/config/macros.js'

const defs = (): Definitions => new Definitions({ configId: 'node1', currentDir: () => '/etc/keepalived', random: (min) => min })

t.test('definitions: bare-name terminators, braces, multi-line only at the end', async (t) => {
  const d = defs()
  d.define('$A=1')
  d.define('$M=one \\')
  t.equal(d.expand('x $A,$A) $A/24 ${A}/24').text, 'x 1,1) $A/24 1/24')
  t.same(d.expand('m $M'), { text: 'm one', changed: true, pending: [''] })
  t.same(d.expand('m $M x'), { text: 'm $M x', changed: false, pending: [] })
  t.equal(d.define('$ A=1'), undefined, 'no space in a name')
  t.equal(d.define('$A =1'), undefined, 'no space before =')
})

t.test('built-ins and their parameters', async (t) => {
  const d = defs()
  t.equal(d.expand('${_INSTANCE} ${_PWD} ${_HASH}${_BANG} ${_RANDOM 4 9} ${_RANDOM}').text, 'node1 /etc/keepalived #! 4 0')
  t.equal(d.expand('${_HASH 1}').text, '${_HASH 1}', 'a built-in without parameters takes none')
  t.equal(d.expand('${_RANDOM 4 }').text, '${_RANDOM 4 }', 'parameters may not end with a space')
})

t.test('limits: substitutions per line, line length, total work', async (t) => {
  const d = new Definitions({ configId: 'x', currentDir: () => '/' }, { maxLineLength: 100, maxSubstitutionsPerLine: 10, maxExpansionWork: 1000 } as never)
  d.define('$S=$S')
  t.throws(() => d.expand('$S'), new LimitError('more than 10 macro substitutions on one line (a definition that uses itself?)'))
  d.define(`$L=${'x'.repeat(60)}`)
  t.throws(() => d.expand('${L}${L}'), /line longer than 100 characters after macro expansion/)
  t.throws(() => {
    for (let i = 0; i < 100; i++) d.expand('${L}')
  }, /more than 1000 characters in total/)
})
