import t from 'tap'
import { conditionalLine, decomment } from '../../src/config/line-syntax.js'

t.test('decomment: comments, escapes, blanks, and an unterminated quote', async (t) => {
  t.same(decomment('  a "b#c" # d'), { text: 'a "b#c"', unterminatedQuote: false })
  t.same(decomment('a \\# b \\! c'), { text: 'a # b ! c', unterminatedQuote: false })
  t.same(decomment('auth_pass "abc'), { text: 'auth_pass "abc', unterminatedQuote: true })
  t.same(decomment('a "\\"#" b'), { text: 'a "\\"#" b', unterminatedQuote: false }, 'an escaped quote does not close')
  t.same(decomment('\u2028x\u2028'), { text: '\u2028x\u2028', unterminatedQuote: false }, 'only spaces and tabs are trimmed')
})

t.test('conditionalLine: @ID and @^ID, the id ends at a space or tab only', async (t) => {
  t.equal(conditionalLine('@h1 a b', 'h1'), 'a b')
  t.equal(conditionalLine('@h1\t a', 'h1'), 'a')
  t.equal(conditionalLine('@h2 a', 'h1'), undefined)
  t.equal(conditionalLine('@^h2 a', 'h1'), 'a')
  t.equal(conditionalLine('@^h1 a', 'h1'), undefined)
  t.equal(conditionalLine('@h1', 'h1'), undefined, 'nothing after the id')
  t.equal(conditionalLine('@h1\r', 'h1'), undefined, 'CR is part of the id')
  t.equal(conditionalLine('@h1 a\rb\u2028c', 'h1'), 'a\rb\u2028c')
})
