"""LALR(1) tables of autodiff.lark, for lalr.py. Generated: do not edit.

Made by `python -m autodiff.grammar.generate` with lark 1.3.1
from autodiff.lark with sha256 729df9e3d6ffb1903d192c597b8d97b9dbcd5fd18bc84016a0e9bc40984f623e.
The tables are data computed by lark from our grammar; no lark code is included.
"""

GRAMMAR_SHA256 = '729df9e3d6ffb1903d192c597b8d97b9dbcd5fd18bc84016a0e9bc40984f623e'
LARK_VERSION = '1.3.1'

PATTERNS = (
    '(?P<AUG_ASSIGN>(?:\\*\\*=|//=|\\+=|\\-=|\\*=|/=|%=|@=))|(?P<COMP_OP>(?:<=|>=|==|!=|<|>))|(?P<POW>(?:\\*\\*|\\^))|(?P<STRING>"(?>[^"\\\\\r\n]+|\\\\.)*"|\'(?>[^\'\\\\\r\n]+|\\\\.)*\')|(?P<NUMBER>(?:\\d+\\.\\d*|\\.\\d+|\\d+)(?:[eE][+-]?\\d+)?)|(?P<_NEWLINE>(?:(?:\r?\n[\t ]*|#[^\n]*))+)|(?P<NAME>[A-Za-z_][A-Za-z0-9_]*)|(?P<__IGNORE_2>\\\\[\t \x0c]*\r?\n)|(?P<COMMENT>#[^\n]*)|(?P<__IGNORE_0>[\t \x0c]+)|(?P<ELLIPSIS>\\.\\.\\.)|(?P<MUL_OP>(?://|\\*|/|%|@))|(?P<ADD_OP>(?:\\+|\\-))|(?P<ASSIGN>=)|(?P<COLON>:)|(?P<COMMA>,)|(?P<LPAR>\\()|(?P<LSQB>\\[)|(?P<RPAR>\\))|(?P<RSQB>\\])|(?P<SEMICOLON>;)',
)

KEYWORDS = {'NAME': {'and': 'AND',
          'assert': 'ASSERT',
          'backward': 'BACKWARD',
          'break': 'BREAK',
          'continue': 'CONTINUE',
          'def': 'DEF',
          'elif': 'ELIF',
          'else': 'ELSE',
          'false': 'FALSE',
          'for': 'FOR',
          'if': 'IF',
          'in': 'IN',
          'input': 'INPUT',
          'lambda': 'LAMBDA',
          'None': 'NONE',
          'not': 'NOT',
          'or': 'OR',
          'pass': 'PASS',
          'return': 'RETURN',
          'true': 'TRUE',
          'while': 'WHILE',
          'with': 'WITH'}}

IGNORED = ('COMMENT', '__IGNORE_0', '__IGNORE_2')

LITERALS = {'AND': 'and',
 'ASSERT': 'assert',
 'ASSIGN': '=',
 'BACKWARD': 'backward',
 'BREAK': 'break',
 'COLON': ':',
 'COMMA': ',',
 'CONTINUE': 'continue',
 'DEF': 'def',
 'ELIF': 'elif',
 'ELLIPSIS': '...',
 'ELSE': 'else',
 'FALSE': 'false',
 'FOR': 'for',
 'IF': 'if',
 'IN': 'in',
 'INPUT': 'input',
 'LAMBDA': 'lambda',
 'LPAR': '(',
 'LSQB': '[',
 'NONE': 'None',
 'NOT': 'not',
 'OR': 'or',
 'PASS': 'pass',
 'RETURN': 'return',
 'RPAR': ')',
 'RSQB': ']',
 'SEMICOLON': ';',
 'TRUE': 'true',
 'WHILE': 'while',
 'WITH': 'with'}

RULES = (
    ('start', 1, 'start', ((0, True, 0),), 0, False),  # 0
    ('start', 0, 'start', (), 0, False),  # 1
    ('stmt', 1, 'stmt', ((0, False, 0),), 0, True),  # 2
    ('stmt', 1, 'stmt', ((0, False, 0),), 0, True),  # 3
    ('simple_stmts', 4, 'simple_stmts', ((0, False, 0), (1, True, 0)), 0, False),  # 4
    ('simple_stmts', 3, 'simple_stmts', ((0, False, 0), (1, True, 0)), 0, False),  # 5
    ('simple_stmts', 3, 'simple_stmts', ((0, False, 0),), 0, False),  # 6
    ('simple_stmts', 2, 'simple_stmts', ((0, False, 0),), 0, False),  # 7
    ('small_stmt', 1, 'small_stmt', ((0, False, 0),), 0, True),  # 8
    ('small_stmt', 1, 'small_stmt', ((0, False, 0),), 0, True),  # 9
    ('small_stmt', 1, 'small_stmt', ((0, False, 0),), 0, True),  # 10
    ('small_stmt', 1, 'small_stmt', ((0, False, 0),), 0, True),  # 11
    ('small_stmt', 1, 'small_stmt', ((0, False, 0),), 0, True),  # 12
    ('small_stmt', 1, 'small_stmt', ((0, False, 0),), 0, True),  # 13
    ('small_stmt', 1, 'small_stmt', ((0, False, 0),), 0, True),  # 14
    ('small_stmt', 1, 'small_stmt', ((0, False, 0),), 0, True),  # 15
    ('small_stmt', 1, 'small_stmt', ((0, False, 0),), 0, True),  # 16
    ('input_stmt', 4, 'input_stmt', ((0, False, 0), (1, False, 0), (3, False, 0)), 0, False),  # 17
    ('input_stmt', 2, 'input_stmt', ((0, False, 0), (1, False, 0)), 1, False),  # 18
    ('expr_stmt', 1, 'expr_stmt', ((0, False, 0),), 0, False),  # 19
    ('assign_stmt', 2, 'assign_stmt', ((0, True, 0), (1, False, 0)), 0, False),  # 20
    ('augassign_stmt', 3, 'augassign_stmt', ((0, False, 0), (1, False, 0), (2, False, 0)), 0, False),  # 21
    ('return_stmt', 2, 'return_stmt', ((0, False, 0), (1, False, 0)), 0, False),  # 22
    ('return_stmt', 1, 'return_stmt', ((0, False, 0),), 1, False),  # 23
    ('pass_stmt', 1, 'pass_stmt', ((0, False, 0),), 0, False),  # 24
    ('break_stmt', 1, 'break_stmt', ((0, False, 0),), 0, False),  # 25
    ('continue_stmt', 1, 'continue_stmt', ((0, False, 0),), 0, False),  # 26
    ('assert_stmt', 4, 'assert_stmt', ((0, False, 0), (1, False, 0), (3, False, 0)), 0, False),  # 27
    ('assert_stmt', 2, 'assert_stmt', ((0, False, 0), (1, False, 0)), 1, False),  # 28
    ('compound_stmt', 1, 'compound_stmt', ((0, False, 0),), 0, True),  # 29
    ('compound_stmt', 1, 'compound_stmt', ((0, False, 0),), 0, True),  # 30
    ('compound_stmt', 1, 'compound_stmt', ((0, False, 0),), 0, True),  # 31
    ('compound_stmt', 1, 'compound_stmt', ((0, False, 0),), 0, True),  # 32
    ('compound_stmt', 1, 'compound_stmt', ((0, False, 0),), 0, True),  # 33
    ('compound_stmt', 1, 'compound_stmt', ((0, False, 0),), 0, True),  # 34
    ('if_stmt', 6, 'if_stmt', ((0, False, 0), (1, False, 0), (3, False, 0), (4, True, 0), (5, False, 0)), 0, False),  # 35
    ('if_stmt', 5, 'if_stmt', ((0, False, 0), (1, False, 0), (3, False, 0), (4, True, 0)), 1, False),  # 36
    ('if_stmt', 5, 'if_stmt', ((0, False, 0), (1, False, 0), (3, False, 0), (4, False, 0)), 0, False),  # 37
    ('if_stmt', 4, 'if_stmt', ((0, False, 0), (1, False, 0), (3, False, 0)), 1, False),  # 38
    ('elif_clause', 4, 'elif_clause', ((0, False, 0), (1, False, 0), (3, False, 0)), 0, False),  # 39
    ('else_clause', 3, 'else_clause', ((0, False, 0), (2, False, 0)), 0, False),  # 40
    ('while_stmt', 4, 'while_stmt', ((0, False, 0), (1, False, 0), (3, False, 0)), 0, False),  # 41
    ('for_stmt', 6, 'for_stmt', ((0, False, 0), (1, False, 0), (2, False, 0), (3, False, 0), (5, False, 0)), 0, False),  # 42
    ('with_stmt', 4, 'with_stmt', ((0, False, 0), (1, False, 0), (3, False, 0)), 0, False),  # 43
    ('funcdef', 7, 'funcdef', ((0, False, 0), (1, False, 0), (3, False, 0), (6, False, 0)), 0, False),  # 44
    ('funcdef', 6, 'funcdef', ((0, False, 0), (1, False, 0), (5, False, 1)), 0, False),  # 45
    ('backwarddef', 7, 'backwarddef', ((0, False, 0), (1, False, 0), (3, False, 0), (6, False, 0)), 0, False),  # 46
    ('backwarddef', 6, 'backwarddef', ((0, False, 0), (1, False, 0), (5, False, 1)), 0, False),  # 47
    ('parameters', 3, 'parameters', ((0, False, 0), (1, True, 0)), 0, False),  # 48
    ('parameters', 2, 'parameters', ((0, False, 0), (1, True, 0)), 0, False),  # 49
    ('parameters', 2, 'parameters', ((0, False, 0),), 0, False),  # 50
    ('parameters', 1, 'parameters', ((0, False, 0),), 0, False),  # 51
    ('param', 3, 'param', ((0, False, 0), (2, False, 0)), 0, False),  # 52
    ('param', 1, 'param', ((0, False, 0),), 1, False),  # 53
    ('suite', 1, 'suite', ((0, False, 0),), 0, False),  # 54
    ('suite', 4, 'suite', ((2, True, 0),), 0, False),  # 55
    ('testlist', 1, 'testlist', ((0, False, 0),), 0, True),  # 56
    ('testlist', 2, 'tuple_literal', ((0, False, 0),), 0, False),  # 57
    ('testlist', 3, 'tuple_literal', ((0, False, 0), (1, True, 0)), 0, False),  # 58
    ('testlist', 2, 'tuple_literal', ((0, False, 0), (1, True, 0)), 0, False),  # 59
    ('test', 1, 'test', ((0, False, 0),), 0, True),  # 60
    ('test', 5, 'ifexp', ((0, False, 0), (1, False, 0), (2, False, 0), (3, False, 0), (4, False, 0)), 0, False),  # 61
    ('test', 1, 'test', ((0, False, 0),), 0, True),  # 62
    ('lambdef', 4, 'lambdef', ((0, False, 0), (1, False, 0), (3, False, 0)), 0, False),  # 63
    ('lambdef', 3, 'lambdef', ((0, False, 0), (2, False, 1)), 0, False),  # 64
    ('or_test', 1, 'or_test', ((0, False, 0),), 0, True),  # 65
    ('or_test', 3, 'boolop', ((0, False, 0), (1, False, 0), (2, False, 0)), 0, False),  # 66
    ('and_test', 1, 'and_test', ((0, False, 0),), 0, True),  # 67
    ('and_test', 3, 'boolop', ((0, False, 0), (1, False, 0), (2, False, 0)), 0, False),  # 68
    ('not_test', 1, 'not_test', ((0, False, 0),), 0, True),  # 69
    ('not_test', 2, 'unaryop', ((0, False, 0), (1, False, 0)), 0, False),  # 70
    ('comparison', 1, 'comparison', ((0, False, 0),), 0, True),  # 71
    ('comparison', 2, 'compare', ((0, False, 0), (1, True, 0)), 0, False),  # 72
    ('arith', 1, 'arith', ((0, False, 0),), 0, True),  # 73
    ('arith', 3, 'binop', ((0, False, 0), (1, False, 0), (2, False, 0)), 0, False),  # 74
    ('term', 1, 'term', ((0, False, 0),), 0, True),  # 75
    ('term', 3, 'binop', ((0, False, 0), (1, False, 0), (2, False, 0)), 0, False),  # 76
    ('factor', 1, 'factor', ((0, False, 0),), 0, True),  # 77
    ('factor', 2, 'unaryop', ((0, False, 0), (1, False, 0)), 0, False),  # 78
    ('power', 1, 'power', ((0, False, 0),), 0, True),  # 79
    ('power', 3, 'binop', ((0, False, 0), (1, False, 0), (2, False, 0)), 0, False),  # 80
    ('postfix', 1, 'postfix', ((0, False, 0),), 0, True),  # 81
    ('postfix', 4, 'call', ((0, False, 0), (1, False, 0), (2, False, 0), (3, False, 0)), 0, False),  # 82
    ('postfix', 3, 'call', ((0, False, 0), (1, False, 0), (2, False, 1)), 0, False),  # 83
    ('postfix', 4, 'index', ((0, False, 0), (1, False, 0), (2, False, 0), (3, False, 0)), 0, False),  # 84
    ('arguments', 3, 'arguments', ((0, False, 0), (1, True, 0)), 0, False),  # 85
    ('arguments', 2, 'arguments', ((0, False, 0), (1, True, 0)), 0, False),  # 86
    ('arguments', 2, 'arguments', ((0, False, 0),), 0, False),  # 87
    ('arguments', 1, 'arguments', ((0, False, 0),), 0, False),  # 88
    ('argument', 1, 'argument', ((0, False, 0),), 0, True),  # 89
    ('argument', 3, 'keyword', ((0, False, 0), (2, False, 0)), 0, False),  # 90
    ('subscripts', 3, 'subscripts', ((0, False, 0), (1, True, 0)), 0, False),  # 91
    ('subscripts', 2, 'subscripts', ((0, False, 0), (1, True, 0)), 0, False),  # 92
    ('subscripts', 2, 'subscripts', ((0, False, 0),), 0, False),  # 93
    ('subscripts', 1, 'subscripts', ((0, False, 0),), 0, False),  # 94
    ('subscript', 1, 'subscript', ((0, False, 0),), 0, True),  # 95
    ('subscript', 1, 'subscript', ((0, False, 0),), 0, True),  # 96
    ('subscript', 1, 'ellipsis', ((0, False, 0),), 0, False),  # 97
    ('slice_index', 5, 'slice_index', ((0, False, 0), (1, False, 0), (2, False, 0), (3, False, 0), (4, False, 0)), 0, False),  # 98
    ('slice_index', 4, 'slice_index', ((0, False, 0), (1, False, 0), (2, False, 0), (3, False, 0)), 1, False),  # 99
    ('slice_index', 3, 'slice_index', ((0, False, 0), (1, False, 0), (2, False, 0)), 2, False),  # 100
    ('slice_index', 4, 'slice_index', ((0, False, 0), (1, False, 0), (2, False, 1), (3, False, 0)), 0, False),  # 101
    ('slice_index', 3, 'slice_index', ((0, False, 0), (1, False, 0), (2, False, 1)), 1, False),  # 102
    ('slice_index', 2, 'slice_index', ((0, False, 0), (1, False, 0)), 3, False),  # 103
    ('slice_index', 4, 'slice_index', ((0, False, 1), (1, False, 0), (2, False, 0), (3, False, 0)), 0, False),  # 104
    ('slice_index', 3, 'slice_index', ((0, False, 1), (1, False, 0), (2, False, 0)), 1, False),  # 105
    ('slice_index', 2, 'slice_index', ((0, False, 1), (1, False, 0)), 2, False),  # 106
    ('slice_index', 3, 'slice_index', ((0, False, 1), (1, False, 1), (2, False, 0)), 0, False),  # 107
    ('slice_index', 2, 'slice_index', ((0, False, 1), (1, False, 1)), 1, False),  # 108
    ('slice_index', 1, 'slice_index', ((0, False, 1),), 3, False),  # 109
    ('atom', 1, 'name', ((0, False, 0),), 0, False),  # 110
    ('atom', 1, 'number', ((0, False, 0),), 0, False),  # 111
    ('atom', 1, 'string', ((0, False, 0),), 0, False),  # 112
    ('atom', 1, 'true', ((0, False, 0),), 0, False),  # 113
    ('atom', 1, 'false', ((0, False, 0),), 0, False),  # 114
    ('atom', 1, 'none', ((0, False, 0),), 0, False),  # 115
    ('atom', 3, 'list_literal', ((0, False, 0), (1, False, 0), (2, False, 0)), 0, False),  # 116
    ('atom', 2, 'list_literal', ((0, False, 0), (1, False, 1)), 0, False),  # 117
    ('atom', 2, 'empty_tuple', ((0, False, 0), (1, False, 0)), 0, False),  # 118
    ('atom', 3, 'parenthesized', ((0, False, 0), (1, False, 0), (2, False, 0)), 0, False),  # 119
    ('list_items', 3, 'list_items', ((0, False, 0), (1, True, 0)), 0, False),  # 120
    ('list_items', 2, 'list_items', ((0, False, 0), (1, True, 0)), 0, False),  # 121
    ('list_items', 2, 'list_items', ((0, False, 0),), 0, False),  # 122
    ('list_items', 1, 'list_items', ((0, False, 0),), 0, False),  # 123
    ('__start_star_0', 1, None, (), 0, False),  # 124
    ('__start_star_0', 1, None, ((0, False, 0),), 0, False),  # 125
    ('__start_star_0', 2, None, ((0, True, 0),), 0, False),  # 126
    ('__start_star_0', 2, None, ((0, True, 0), (1, False, 0)), 0, False),  # 127
    ('__simple_stmts_star_1', 2, None, ((1, False, 0),), 0, False),  # 128
    ('__simple_stmts_star_1', 3, None, ((0, True, 0), (2, False, 0)), 0, False),  # 129
    ('__assign_stmt_plus_2', 2, None, ((0, False, 0),), 0, False),  # 130
    ('__assign_stmt_plus_2', 3, None, ((0, True, 0), (1, False, 0)), 0, False),  # 131
    ('__if_stmt_star_3', 1, None, ((0, False, 0),), 0, False),  # 132
    ('__if_stmt_star_3', 2, None, ((0, True, 0), (1, False, 0)), 0, False),  # 133
    ('__parameters_star_4', 2, None, ((1, False, 0),), 0, False),  # 134
    ('__parameters_star_4', 3, None, ((0, True, 0), (2, False, 0)), 0, False),  # 135
    ('__suite_plus_5', 1, None, ((0, False, 0),), 0, False),  # 136
    ('__suite_plus_5', 2, None, ((0, True, 0), (1, False, 0)), 0, False),  # 137
    ('__testlist_plus_6', 2, None, ((1, False, 0),), 0, False),  # 138
    ('__testlist_plus_6', 3, None, ((0, True, 0), (2, False, 0)), 0, False),  # 139
    ('__comparison_plus_7', 2, None, ((0, False, 0), (1, False, 0)), 0, False),  # 140
    ('__comparison_plus_7', 3, None, ((0, True, 0), (1, False, 0), (2, False, 0)), 0, False),  # 141
    ('__arguments_star_8', 2, None, ((1, False, 0),), 0, False),  # 142
    ('__arguments_star_8', 3, None, ((0, True, 0), (2, False, 0)), 0, False),  # 143
    ('__subscripts_star_9', 2, None, ((1, False, 0),), 0, False),  # 144
    ('__subscripts_star_9', 3, None, ((0, True, 0), (2, False, 0)), 0, False),  # 145
)

STATES = (
    {'$END': -2, 'ADD_OP': 1, 'ASSERT': 2, 'BACKWARD': 3, 'BREAK': 4, 'CONTINUE': 5, 'DEF': 6, 'FALSE': 7, 'FOR': 8, 'IF': 9, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, 'WHILE': 22, 'WITH': 23, '_NEWLINE': 24, '__assign_stmt_plus_2': 25, '__start_star_0': 26, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'backwarddef': 33, 'break_stmt': 34, 'comparison': 35, 'compound_stmt': 36, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'for_stmt': 40, 'funcdef': 41, 'if_stmt': 42, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'simple_stmts': 51, 'small_stmt': 52, 'start': 53, 'stmt': 54, 'term': 55, 'test': 56, 'testlist': 57, 'while_stmt': 58, 'with_stmt': 59},  # 0
    {'ADD_OP': 1, 'FALSE': 7, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'atom': 31, 'factor': 60, 'postfix': 48, 'power': 49},  # 1
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 61},  # 2
    {'NAME': 62},  # 3
    {'SEMICOLON': -26, '_NEWLINE': -26},  # 4
    {'SEMICOLON': -27, '_NEWLINE': -27},  # 5
    {'NAME': 63},  # 6
    {'ADD_OP': -115, 'AND': -115, 'ASSIGN': -115, 'AUG_ASSIGN': -115, 'COLON': -115, 'COMMA': -115, 'COMP_OP': -115, 'ELSE': -115, 'IF': -115, 'IN': -115, 'LPAR': -115, 'LSQB': -115, 'MUL_OP': -115, 'OR': -115, 'POW': -115, 'RPAR': -115, 'RSQB': -115, 'SEMICOLON': -115, '_NEWLINE': -115},  # 7
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 56, 'testlist': 64},  # 8
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 65},  # 9
    {'NAME': 66},  # 10
    {'COLON': 67, 'NAME': 68, 'param': 69, 'parameters': 70},  # 11
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RPAR': 71, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 56, 'testlist': 72},  # 12
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RSQB': 73, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'list_items': 74, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 75},  # 13
    {'ADD_OP': -111, 'AND': -111, 'ASSIGN': -111, 'AUG_ASSIGN': -111, 'COLON': -111, 'COMMA': -111, 'COMP_OP': -111, 'ELSE': -111, 'IF': -111, 'IN': -111, 'LPAR': -111, 'LSQB': -111, 'MUL_OP': -111, 'OR': -111, 'POW': -111, 'RPAR': -111, 'RSQB': -111, 'SEMICOLON': -111, '_NEWLINE': -111},  # 14
    {'ADD_OP': -116, 'AND': -116, 'ASSIGN': -116, 'AUG_ASSIGN': -116, 'COLON': -116, 'COMMA': -116, 'COMP_OP': -116, 'ELSE': -116, 'IF': -116, 'IN': -116, 'LPAR': -116, 'LSQB': -116, 'MUL_OP': -116, 'OR': -116, 'POW': -116, 'RPAR': -116, 'RSQB': -116, 'SEMICOLON': -116, '_NEWLINE': -116},  # 15
    {'ADD_OP': 1, 'FALSE': 7, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'not_test': 76, 'postfix': 48, 'power': 49, 'term': 55},  # 16
    {'ADD_OP': -112, 'AND': -112, 'ASSIGN': -112, 'AUG_ASSIGN': -112, 'COLON': -112, 'COMMA': -112, 'COMP_OP': -112, 'ELSE': -112, 'IF': -112, 'IN': -112, 'LPAR': -112, 'LSQB': -112, 'MUL_OP': -112, 'OR': -112, 'POW': -112, 'RPAR': -112, 'RSQB': -112, 'SEMICOLON': -112, '_NEWLINE': -112},  # 17
    {'SEMICOLON': -25, '_NEWLINE': -25},  # 18
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'SEMICOLON': -24, 'STRING': 20, 'TRUE': 21, '_NEWLINE': -24, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 56, 'testlist': 77},  # 19
    {'ADD_OP': -113, 'AND': -113, 'ASSIGN': -113, 'AUG_ASSIGN': -113, 'COLON': -113, 'COMMA': -113, 'COMP_OP': -113, 'ELSE': -113, 'IF': -113, 'IN': -113, 'LPAR': -113, 'LSQB': -113, 'MUL_OP': -113, 'OR': -113, 'POW': -113, 'RPAR': -113, 'RSQB': -113, 'SEMICOLON': -113, '_NEWLINE': -113},  # 20
    {'ADD_OP': -114, 'AND': -114, 'ASSIGN': -114, 'AUG_ASSIGN': -114, 'COLON': -114, 'COMMA': -114, 'COMP_OP': -114, 'ELSE': -114, 'IF': -114, 'IN': -114, 'LPAR': -114, 'LSQB': -114, 'MUL_OP': -114, 'OR': -114, 'POW': -114, 'RPAR': -114, 'RSQB': -114, 'SEMICOLON': -114, '_NEWLINE': -114},  # 21
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 78},  # 22
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 79},  # 23
    {'$END': -125, 'ADD_OP': -125, 'ASSERT': -125, 'BACKWARD': -125, 'BREAK': -125, 'CONTINUE': -125, 'DEF': -125, 'FALSE': -125, 'FOR': -125, 'IF': -125, 'INPUT': -125, 'LAMBDA': -125, 'LPAR': -125, 'LSQB': -125, 'NAME': -125, 'NONE': -125, 'NOT': -125, 'NUMBER': -125, 'PASS': -125, 'RETURN': -125, 'STRING': -125, 'TRUE': -125, 'WHILE': -125, 'WITH': -125, '_NEWLINE': -125},  # 24
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 56, 'testlist': 80},  # 25
    {'$END': -1, 'ADD_OP': 1, 'ASSERT': 2, 'BACKWARD': 3, 'BREAK': 4, 'CONTINUE': 5, 'DEF': 6, 'FALSE': 7, 'FOR': 8, 'IF': 9, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, 'WHILE': 22, 'WITH': 23, '_NEWLINE': 81, '__assign_stmt_plus_2': 25, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'backwarddef': 33, 'break_stmt': 34, 'comparison': 35, 'compound_stmt': 36, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'for_stmt': 40, 'funcdef': 41, 'if_stmt': 42, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'simple_stmts': 51, 'small_stmt': 52, 'stmt': 82, 'term': 55, 'test': 56, 'testlist': 57, 'while_stmt': 58, 'with_stmt': 59},  # 26
    {'AND': 83, 'ASSIGN': -66, 'AUG_ASSIGN': -66, 'COLON': -66, 'COMMA': -66, 'ELSE': -66, 'IF': -66, 'IN': -66, 'OR': -66, 'RPAR': -66, 'RSQB': -66, 'SEMICOLON': -66, '_NEWLINE': -66},  # 27
    {'ADD_OP': 84, 'AND': -72, 'ASSIGN': -72, 'AUG_ASSIGN': -72, 'COLON': -72, 'COMMA': -72, 'COMP_OP': 85, 'ELSE': -72, 'IF': -72, 'IN': -72, 'OR': -72, 'RPAR': -72, 'RSQB': -72, 'SEMICOLON': -72, '_NEWLINE': -72, '__comparison_plus_7': 86},  # 28
    {'SEMICOLON': -17, '_NEWLINE': -17},  # 29
    {'SEMICOLON': -11, '_NEWLINE': -11},  # 30
    {'ADD_OP': -82, 'AND': -82, 'ASSIGN': -82, 'AUG_ASSIGN': -82, 'COLON': -82, 'COMMA': -82, 'COMP_OP': -82, 'ELSE': -82, 'IF': -82, 'IN': -82, 'LPAR': -82, 'LSQB': -82, 'MUL_OP': -82, 'OR': -82, 'POW': -82, 'RPAR': -82, 'RSQB': -82, 'SEMICOLON': -82, '_NEWLINE': -82},  # 31
    {'SEMICOLON': -12, '_NEWLINE': -12},  # 32
    {'$END': -34, 'ADD_OP': -34, 'ASSERT': -34, 'BACKWARD': -34, 'BREAK': -34, 'CONTINUE': -34, 'DEF': -34, 'FALSE': -34, 'FOR': -34, 'IF': -34, 'INPUT': -34, 'LAMBDA': -34, 'LPAR': -34, 'LSQB': -34, 'NAME': -34, 'NONE': -34, 'NOT': -34, 'NUMBER': -34, 'PASS': -34, 'RETURN': -34, 'STRING': -34, 'TRUE': -34, 'WHILE': -34, 'WITH': -34, '_DEDENT': -34, '_NEWLINE': -34},  # 33
    {'SEMICOLON': -15, '_NEWLINE': -15},  # 34
    {'AND': -70, 'ASSIGN': -70, 'AUG_ASSIGN': -70, 'COLON': -70, 'COMMA': -70, 'ELSE': -70, 'IF': -70, 'IN': -70, 'OR': -70, 'RPAR': -70, 'RSQB': -70, 'SEMICOLON': -70, '_NEWLINE': -70},  # 35
    {'$END': -4, 'ADD_OP': -4, 'ASSERT': -4, 'BACKWARD': -4, 'BREAK': -4, 'CONTINUE': -4, 'DEF': -4, 'FALSE': -4, 'FOR': -4, 'IF': -4, 'INPUT': -4, 'LAMBDA': -4, 'LPAR': -4, 'LSQB': -4, 'NAME': -4, 'NONE': -4, 'NOT': -4, 'NUMBER': -4, 'PASS': -4, 'RETURN': -4, 'STRING': -4, 'TRUE': -4, 'WHILE': -4, 'WITH': -4, '_DEDENT': -4, '_NEWLINE': -4},  # 36
    {'SEMICOLON': -16, '_NEWLINE': -16},  # 37
    {'SEMICOLON': -10, '_NEWLINE': -10},  # 38
    {'ADD_OP': -76, 'AND': -76, 'ASSIGN': -76, 'AUG_ASSIGN': -76, 'COLON': -76, 'COMMA': -76, 'COMP_OP': -76, 'ELSE': -76, 'IF': -76, 'IN': -76, 'MUL_OP': -76, 'OR': -76, 'RPAR': -76, 'RSQB': -76, 'SEMICOLON': -76, '_NEWLINE': -76},  # 39
    {'$END': -32, 'ADD_OP': -32, 'ASSERT': -32, 'BACKWARD': -32, 'BREAK': -32, 'CONTINUE': -32, 'DEF': -32, 'FALSE': -32, 'FOR': -32, 'IF': -32, 'INPUT': -32, 'LAMBDA': -32, 'LPAR': -32, 'LSQB': -32, 'NAME': -32, 'NONE': -32, 'NOT': -32, 'NUMBER': -32, 'PASS': -32, 'RETURN': -32, 'STRING': -32, 'TRUE': -32, 'WHILE': -32, 'WITH': -32, '_DEDENT': -32, '_NEWLINE': -32},  # 40
    {'$END': -33, 'ADD_OP': -33, 'ASSERT': -33, 'BACKWARD': -33, 'BREAK': -33, 'CONTINUE': -33, 'DEF': -33, 'FALSE': -33, 'FOR': -33, 'IF': -33, 'INPUT': -33, 'LAMBDA': -33, 'LPAR': -33, 'LSQB': -33, 'NAME': -33, 'NONE': -33, 'NOT': -33, 'NUMBER': -33, 'PASS': -33, 'RETURN': -33, 'STRING': -33, 'TRUE': -33, 'WHILE': -33, 'WITH': -33, '_DEDENT': -33, '_NEWLINE': -33},  # 41
    {'$END': -30, 'ADD_OP': -30, 'ASSERT': -30, 'BACKWARD': -30, 'BREAK': -30, 'CONTINUE': -30, 'DEF': -30, 'FALSE': -30, 'FOR': -30, 'IF': -30, 'INPUT': -30, 'LAMBDA': -30, 'LPAR': -30, 'LSQB': -30, 'NAME': -30, 'NONE': -30, 'NOT': -30, 'NUMBER': -30, 'PASS': -30, 'RETURN': -30, 'STRING': -30, 'TRUE': -30, 'WHILE': -30, 'WITH': -30, '_DEDENT': -30, '_NEWLINE': -30},  # 42
    {'SEMICOLON': -9, '_NEWLINE': -9},  # 43
    {'ASSIGN': -63, 'AUG_ASSIGN': -63, 'COLON': -63, 'COMMA': -63, 'IN': -63, 'RPAR': -63, 'RSQB': -63, 'SEMICOLON': -63, '_NEWLINE': -63},  # 44
    {'AND': -68, 'ASSIGN': -68, 'AUG_ASSIGN': -68, 'COLON': -68, 'COMMA': -68, 'ELSE': -68, 'IF': -68, 'IN': -68, 'OR': -68, 'RPAR': -68, 'RSQB': -68, 'SEMICOLON': -68, '_NEWLINE': -68},  # 45
    {'ASSIGN': -61, 'AUG_ASSIGN': -61, 'COLON': -61, 'COMMA': -61, 'IF': 87, 'IN': -61, 'OR': 88, 'RPAR': -61, 'RSQB': -61, 'SEMICOLON': -61, '_NEWLINE': -61},  # 46
    {'SEMICOLON': -14, '_NEWLINE': -14},  # 47
    {'ADD_OP': -80, 'AND': -80, 'ASSIGN': -80, 'AUG_ASSIGN': -80, 'COLON': -80, 'COMMA': -80, 'COMP_OP': -80, 'ELSE': -80, 'IF': -80, 'IN': -80, 'LPAR': 89, 'LSQB': 90, 'MUL_OP': -80, 'OR': -80, 'POW': 91, 'RPAR': -80, 'RSQB': -80, 'SEMICOLON': -80, '_NEWLINE': -80},  # 48
    {'ADD_OP': -78, 'AND': -78, 'ASSIGN': -78, 'AUG_ASSIGN': -78, 'COLON': -78, 'COMMA': -78, 'COMP_OP': -78, 'ELSE': -78, 'IF': -78, 'IN': -78, 'MUL_OP': -78, 'OR': -78, 'RPAR': -78, 'RSQB': -78, 'SEMICOLON': -78, '_NEWLINE': -78},  # 49
    {'SEMICOLON': -13, '_NEWLINE': -13},  # 50
    {'$END': -3, 'ADD_OP': -3, 'ASSERT': -3, 'BACKWARD': -3, 'BREAK': -3, 'CONTINUE': -3, 'DEF': -3, 'FALSE': -3, 'FOR': -3, 'IF': -3, 'INPUT': -3, 'LAMBDA': -3, 'LPAR': -3, 'LSQB': -3, 'NAME': -3, 'NONE': -3, 'NOT': -3, 'NUMBER': -3, 'PASS': -3, 'RETURN': -3, 'STRING': -3, 'TRUE': -3, 'WHILE': -3, 'WITH': -3, '_DEDENT': -3, '_NEWLINE': -3},  # 51
    {'SEMICOLON': 92, '_NEWLINE': 93, '__simple_stmts_star_1': 94},  # 52
    {},  # 53
    {'$END': -126, 'ADD_OP': -126, 'ASSERT': -126, 'BACKWARD': -126, 'BREAK': -126, 'CONTINUE': -126, 'DEF': -126, 'FALSE': -126, 'FOR': -126, 'IF': -126, 'INPUT': -126, 'LAMBDA': -126, 'LPAR': -126, 'LSQB': -126, 'NAME': -126, 'NONE': -126, 'NOT': -126, 'NUMBER': -126, 'PASS': -126, 'RETURN': -126, 'STRING': -126, 'TRUE': -126, 'WHILE': -126, 'WITH': -126, '_NEWLINE': -126},  # 54
    {'ADD_OP': -74, 'AND': -74, 'ASSIGN': -74, 'AUG_ASSIGN': -74, 'COLON': -74, 'COMMA': -74, 'COMP_OP': -74, 'ELSE': -74, 'IF': -74, 'IN': -74, 'MUL_OP': 95, 'OR': -74, 'RPAR': -74, 'RSQB': -74, 'SEMICOLON': -74, '_NEWLINE': -74},  # 55
    {'ASSIGN': -57, 'AUG_ASSIGN': -57, 'COLON': -57, 'COMMA': 96, 'IN': -57, 'RPAR': -57, 'SEMICOLON': -57, '_NEWLINE': -57, '__testlist_plus_6': 97},  # 56
    {'ASSIGN': 98, 'AUG_ASSIGN': 99, 'SEMICOLON': -20, '_NEWLINE': -20},  # 57
    {'$END': -31, 'ADD_OP': -31, 'ASSERT': -31, 'BACKWARD': -31, 'BREAK': -31, 'CONTINUE': -31, 'DEF': -31, 'FALSE': -31, 'FOR': -31, 'IF': -31, 'INPUT': -31, 'LAMBDA': -31, 'LPAR': -31, 'LSQB': -31, 'NAME': -31, 'NONE': -31, 'NOT': -31, 'NUMBER': -31, 'PASS': -31, 'RETURN': -31, 'STRING': -31, 'TRUE': -31, 'WHILE': -31, 'WITH': -31, '_DEDENT': -31, '_NEWLINE': -31},  # 58
    {'$END': -35, 'ADD_OP': -35, 'ASSERT': -35, 'BACKWARD': -35, 'BREAK': -35, 'CONTINUE': -35, 'DEF': -35, 'FALSE': -35, 'FOR': -35, 'IF': -35, 'INPUT': -35, 'LAMBDA': -35, 'LPAR': -35, 'LSQB': -35, 'NAME': -35, 'NONE': -35, 'NOT': -35, 'NUMBER': -35, 'PASS': -35, 'RETURN': -35, 'STRING': -35, 'TRUE': -35, 'WHILE': -35, 'WITH': -35, '_DEDENT': -35, '_NEWLINE': -35},  # 59
    {'ADD_OP': -79, 'AND': -79, 'ASSIGN': -79, 'AUG_ASSIGN': -79, 'COLON': -79, 'COMMA': -79, 'COMP_OP': -79, 'ELSE': -79, 'IF': -79, 'IN': -79, 'MUL_OP': -79, 'OR': -79, 'RPAR': -79, 'RSQB': -79, 'SEMICOLON': -79, '_NEWLINE': -79},  # 60
    {'COMMA': 100, 'SEMICOLON': -29, '_NEWLINE': -29},  # 61
    {'LPAR': 101},  # 62
    {'LPAR': 102},  # 63
    {'IN': 103},  # 64
    {'COLON': 104},  # 65
    {'ASSIGN': 105, 'SEMICOLON': -19, '_NEWLINE': -19},  # 66
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 106},  # 67
    {'ASSIGN': 107, 'COLON': -54, 'COMMA': -54, 'RPAR': -54},  # 68
    {'COLON': -52, 'COMMA': 108, 'RPAR': -52, '__parameters_star_4': 109},  # 69
    {'COLON': 110},  # 70
    {'ADD_OP': -119, 'AND': -119, 'ASSIGN': -119, 'AUG_ASSIGN': -119, 'COLON': -119, 'COMMA': -119, 'COMP_OP': -119, 'ELSE': -119, 'IF': -119, 'IN': -119, 'LPAR': -119, 'LSQB': -119, 'MUL_OP': -119, 'OR': -119, 'POW': -119, 'RPAR': -119, 'RSQB': -119, 'SEMICOLON': -119, '_NEWLINE': -119},  # 71
    {'RPAR': 111},  # 72
    {'ADD_OP': -118, 'AND': -118, 'ASSIGN': -118, 'AUG_ASSIGN': -118, 'COLON': -118, 'COMMA': -118, 'COMP_OP': -118, 'ELSE': -118, 'IF': -118, 'IN': -118, 'LPAR': -118, 'LSQB': -118, 'MUL_OP': -118, 'OR': -118, 'POW': -118, 'RPAR': -118, 'RSQB': -118, 'SEMICOLON': -118, '_NEWLINE': -118},  # 73
    {'RSQB': 112},  # 74
    {'COMMA': 113, 'RSQB': -124, '__testlist_plus_6': 114},  # 75
    {'AND': -71, 'ASSIGN': -71, 'AUG_ASSIGN': -71, 'COLON': -71, 'COMMA': -71, 'ELSE': -71, 'IF': -71, 'IN': -71, 'OR': -71, 'RPAR': -71, 'RSQB': -71, 'SEMICOLON': -71, '_NEWLINE': -71},  # 76
    {'SEMICOLON': -23, '_NEWLINE': -23},  # 77
    {'COLON': 115},  # 78
    {'COLON': 116},  # 79
    {'ASSIGN': 117, 'SEMICOLON': -21, '_NEWLINE': -21},  # 80
    {'$END': -127, 'ADD_OP': -127, 'ASSERT': -127, 'BACKWARD': -127, 'BREAK': -127, 'CONTINUE': -127, 'DEF': -127, 'FALSE': -127, 'FOR': -127, 'IF': -127, 'INPUT': -127, 'LAMBDA': -127, 'LPAR': -127, 'LSQB': -127, 'NAME': -127, 'NONE': -127, 'NOT': -127, 'NUMBER': -127, 'PASS': -127, 'RETURN': -127, 'STRING': -127, 'TRUE': -127, 'WHILE': -127, 'WITH': -127, '_NEWLINE': -127},  # 81
    {'$END': -128, 'ADD_OP': -128, 'ASSERT': -128, 'BACKWARD': -128, 'BREAK': -128, 'CONTINUE': -128, 'DEF': -128, 'FALSE': -128, 'FOR': -128, 'IF': -128, 'INPUT': -128, 'LAMBDA': -128, 'LPAR': -128, 'LSQB': -128, 'NAME': -128, 'NONE': -128, 'NOT': -128, 'NUMBER': -128, 'PASS': -128, 'RETURN': -128, 'STRING': -128, 'TRUE': -128, 'WHILE': -128, 'WITH': -128, '_NEWLINE': -128},  # 82
    {'ADD_OP': 1, 'FALSE': 7, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'not_test': 118, 'postfix': 48, 'power': 49, 'term': 55},  # 83
    {'ADD_OP': 1, 'FALSE': 7, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'atom': 31, 'factor': 39, 'postfix': 48, 'power': 49, 'term': 119},  # 84
    {'ADD_OP': 1, 'FALSE': 7, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'arith': 120, 'atom': 31, 'factor': 39, 'postfix': 48, 'power': 49, 'term': 55},  # 85
    {'AND': -73, 'ASSIGN': -73, 'AUG_ASSIGN': -73, 'COLON': -73, 'COMMA': -73, 'COMP_OP': 121, 'ELSE': -73, 'IF': -73, 'IN': -73, 'OR': -73, 'RPAR': -73, 'RSQB': -73, 'SEMICOLON': -73, '_NEWLINE': -73},  # 86
    {'ADD_OP': 1, 'FALSE': 7, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'not_test': 45, 'or_test': 122, 'postfix': 48, 'power': 49, 'term': 55},  # 87
    {'ADD_OP': 1, 'FALSE': 7, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 123, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'not_test': 45, 'postfix': 48, 'power': 49, 'term': 55},  # 88
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 124, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RPAR': 125, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'argument': 126, 'arguments': 127, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 128},  # 89
    {'ADD_OP': 1, 'COLON': 129, 'ELLIPSIS': 130, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'slice_index': 131, 'subscript': 132, 'subscripts': 133, 'term': 55, 'test': 134},  # 90
    {'ADD_OP': 1, 'FALSE': 7, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'atom': 31, 'factor': 135, 'postfix': 48, 'power': 49},  # 91
    {'ADD_OP': 1, 'ASSERT': 2, 'BREAK': 4, 'CONTINUE': 5, 'FALSE': 7, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, '_NEWLINE': 136, '__assign_stmt_plus_2': 25, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'break_stmt': 34, 'comparison': 35, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'small_stmt': 137, 'term': 55, 'test': 56, 'testlist': 57},  # 92
    {'$END': -8, 'ADD_OP': -8, 'ASSERT': -8, 'BACKWARD': -8, 'BREAK': -8, 'CONTINUE': -8, 'DEF': -8, 'ELIF': -8, 'ELSE': -8, 'FALSE': -8, 'FOR': -8, 'IF': -8, 'INPUT': -8, 'LAMBDA': -8, 'LPAR': -8, 'LSQB': -8, 'NAME': -8, 'NONE': -8, 'NOT': -8, 'NUMBER': -8, 'PASS': -8, 'RETURN': -8, 'STRING': -8, 'TRUE': -8, 'WHILE': -8, 'WITH': -8, '_DEDENT': -8, '_NEWLINE': -8},  # 93
    {'SEMICOLON': 138, '_NEWLINE': 139},  # 94
    {'ADD_OP': 1, 'FALSE': 7, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'atom': 31, 'factor': 140, 'postfix': 48, 'power': 49},  # 95
    {'ADD_OP': 1, 'ASSIGN': -58, 'AUG_ASSIGN': -58, 'COLON': -58, 'FALSE': 7, 'IN': -58, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RPAR': -58, 'SEMICOLON': -58, 'STRING': 20, 'TRUE': 21, '_NEWLINE': -58, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 141},  # 96
    {'ASSIGN': -60, 'AUG_ASSIGN': -60, 'COLON': -60, 'COMMA': 142, 'IN': -60, 'RPAR': -60, 'SEMICOLON': -60, '_NEWLINE': -60},  # 97
    {'ADD_OP': -131, 'FALSE': -131, 'LAMBDA': -131, 'LPAR': -131, 'LSQB': -131, 'NAME': -131, 'NONE': -131, 'NOT': -131, 'NUMBER': -131, 'STRING': -131, 'TRUE': -131},  # 98
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 56, 'testlist': 143},  # 99
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 144},  # 100
    {'NAME': 68, 'RPAR': 145, 'param': 69, 'parameters': 146},  # 101
    {'NAME': 68, 'RPAR': 147, 'param': 69, 'parameters': 148},  # 102
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 56, 'testlist': 149},  # 103
    {'ADD_OP': 1, 'ASSERT': 2, 'BREAK': 4, 'CONTINUE': 5, 'FALSE': 7, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, '_NEWLINE': 150, '__assign_stmt_plus_2': 25, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'break_stmt': 34, 'comparison': 35, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'simple_stmts': 151, 'small_stmt': 52, 'suite': 152, 'term': 55, 'test': 56, 'testlist': 57},  # 104
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 153},  # 105
    {'ASSIGN': -65, 'AUG_ASSIGN': -65, 'COLON': -65, 'COMMA': -65, 'IN': -65, 'RPAR': -65, 'RSQB': -65, 'SEMICOLON': -65, '_NEWLINE': -65},  # 106
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 154},  # 107
    {'COLON': -51, 'NAME': 68, 'RPAR': -51, 'param': 155},  # 108
    {'COLON': -50, 'COMMA': 156, 'RPAR': -50},  # 109
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 157},  # 110
    {'ADD_OP': -120, 'AND': -120, 'ASSIGN': -120, 'AUG_ASSIGN': -120, 'COLON': -120, 'COMMA': -120, 'COMP_OP': -120, 'ELSE': -120, 'IF': -120, 'IN': -120, 'LPAR': -120, 'LSQB': -120, 'MUL_OP': -120, 'OR': -120, 'POW': -120, 'RPAR': -120, 'RSQB': -120, 'SEMICOLON': -120, '_NEWLINE': -120},  # 111
    {'ADD_OP': -117, 'AND': -117, 'ASSIGN': -117, 'AUG_ASSIGN': -117, 'COLON': -117, 'COMMA': -117, 'COMP_OP': -117, 'ELSE': -117, 'IF': -117, 'IN': -117, 'LPAR': -117, 'LSQB': -117, 'MUL_OP': -117, 'OR': -117, 'POW': -117, 'RPAR': -117, 'RSQB': -117, 'SEMICOLON': -117, '_NEWLINE': -117},  # 112
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RSQB': -123, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 141},  # 113
    {'COMMA': 158, 'RSQB': -122},  # 114
    {'ADD_OP': 1, 'ASSERT': 2, 'BREAK': 4, 'CONTINUE': 5, 'FALSE': 7, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, '_NEWLINE': 150, '__assign_stmt_plus_2': 25, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'break_stmt': 34, 'comparison': 35, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'simple_stmts': 151, 'small_stmt': 52, 'suite': 159, 'term': 55, 'test': 56, 'testlist': 57},  # 115
    {'ADD_OP': 1, 'ASSERT': 2, 'BREAK': 4, 'CONTINUE': 5, 'FALSE': 7, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, '_NEWLINE': 150, '__assign_stmt_plus_2': 25, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'break_stmt': 34, 'comparison': 35, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'simple_stmts': 151, 'small_stmt': 52, 'suite': 160, 'term': 55, 'test': 56, 'testlist': 57},  # 116
    {'ADD_OP': -132, 'FALSE': -132, 'LAMBDA': -132, 'LPAR': -132, 'LSQB': -132, 'NAME': -132, 'NONE': -132, 'NOT': -132, 'NUMBER': -132, 'STRING': -132, 'TRUE': -132},  # 117
    {'AND': -69, 'ASSIGN': -69, 'AUG_ASSIGN': -69, 'COLON': -69, 'COMMA': -69, 'ELSE': -69, 'IF': -69, 'IN': -69, 'OR': -69, 'RPAR': -69, 'RSQB': -69, 'SEMICOLON': -69, '_NEWLINE': -69},  # 118
    {'ADD_OP': -75, 'AND': -75, 'ASSIGN': -75, 'AUG_ASSIGN': -75, 'COLON': -75, 'COMMA': -75, 'COMP_OP': -75, 'ELSE': -75, 'IF': -75, 'IN': -75, 'MUL_OP': 95, 'OR': -75, 'RPAR': -75, 'RSQB': -75, 'SEMICOLON': -75, '_NEWLINE': -75},  # 119
    {'ADD_OP': 84, 'AND': -141, 'ASSIGN': -141, 'AUG_ASSIGN': -141, 'COLON': -141, 'COMMA': -141, 'COMP_OP': -141, 'ELSE': -141, 'IF': -141, 'IN': -141, 'OR': -141, 'RPAR': -141, 'RSQB': -141, 'SEMICOLON': -141, '_NEWLINE': -141},  # 120
    {'ADD_OP': 1, 'FALSE': 7, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'arith': 161, 'atom': 31, 'factor': 39, 'postfix': 48, 'power': 49, 'term': 55},  # 121
    {'ELSE': 162, 'OR': 88},  # 122
    {'AND': 83, 'ASSIGN': -67, 'AUG_ASSIGN': -67, 'COLON': -67, 'COMMA': -67, 'ELSE': -67, 'IF': -67, 'IN': -67, 'OR': -67, 'RPAR': -67, 'RSQB': -67, 'SEMICOLON': -67, '_NEWLINE': -67},  # 123
    {'ADD_OP': -111, 'AND': -111, 'ASSIGN': 163, 'COMMA': -111, 'COMP_OP': -111, 'IF': -111, 'LPAR': -111, 'LSQB': -111, 'MUL_OP': -111, 'OR': -111, 'POW': -111, 'RPAR': -111},  # 124
    {'ADD_OP': -84, 'AND': -84, 'ASSIGN': -84, 'AUG_ASSIGN': -84, 'COLON': -84, 'COMMA': -84, 'COMP_OP': -84, 'ELSE': -84, 'IF': -84, 'IN': -84, 'LPAR': -84, 'LSQB': -84, 'MUL_OP': -84, 'OR': -84, 'POW': -84, 'RPAR': -84, 'RSQB': -84, 'SEMICOLON': -84, '_NEWLINE': -84},  # 125
    {'COMMA': 164, 'RPAR': -89, '__arguments_star_8': 165},  # 126
    {'RPAR': 166},  # 127
    {'COMMA': -90, 'RPAR': -90},  # 128
    {'ADD_OP': 1, 'COLON': 167, 'COMMA': -110, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RSQB': -110, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 168},  # 129
    {'COMMA': -98, 'RSQB': -98},  # 130
    {'COMMA': -97, 'RSQB': -97},  # 131
    {'COMMA': 169, 'RSQB': -95, '__subscripts_star_9': 170},  # 132
    {'RSQB': 171},  # 133
    {'COLON': 172, 'COMMA': -96, 'RSQB': -96},  # 134
    {'ADD_OP': -81, 'AND': -81, 'ASSIGN': -81, 'AUG_ASSIGN': -81, 'COLON': -81, 'COMMA': -81, 'COMP_OP': -81, 'ELSE': -81, 'IF': -81, 'IN': -81, 'MUL_OP': -81, 'OR': -81, 'RPAR': -81, 'RSQB': -81, 'SEMICOLON': -81, '_NEWLINE': -81},  # 135
    {'$END': -7, 'ADD_OP': -7, 'ASSERT': -7, 'BACKWARD': -7, 'BREAK': -7, 'CONTINUE': -7, 'DEF': -7, 'ELIF': -7, 'ELSE': -7, 'FALSE': -7, 'FOR': -7, 'IF': -7, 'INPUT': -7, 'LAMBDA': -7, 'LPAR': -7, 'LSQB': -7, 'NAME': -7, 'NONE': -7, 'NOT': -7, 'NUMBER': -7, 'PASS': -7, 'RETURN': -7, 'STRING': -7, 'TRUE': -7, 'WHILE': -7, 'WITH': -7, '_DEDENT': -7, '_NEWLINE': -7},  # 136
    {'SEMICOLON': -129, '_NEWLINE': -129},  # 137
    {'ADD_OP': 1, 'ASSERT': 2, 'BREAK': 4, 'CONTINUE': 5, 'FALSE': 7, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, '_NEWLINE': 173, '__assign_stmt_plus_2': 25, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'break_stmt': 34, 'comparison': 35, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'small_stmt': 174, 'term': 55, 'test': 56, 'testlist': 57},  # 138
    {'$END': -6, 'ADD_OP': -6, 'ASSERT': -6, 'BACKWARD': -6, 'BREAK': -6, 'CONTINUE': -6, 'DEF': -6, 'ELIF': -6, 'ELSE': -6, 'FALSE': -6, 'FOR': -6, 'IF': -6, 'INPUT': -6, 'LAMBDA': -6, 'LPAR': -6, 'LSQB': -6, 'NAME': -6, 'NONE': -6, 'NOT': -6, 'NUMBER': -6, 'PASS': -6, 'RETURN': -6, 'STRING': -6, 'TRUE': -6, 'WHILE': -6, 'WITH': -6, '_DEDENT': -6, '_NEWLINE': -6},  # 139
    {'ADD_OP': -77, 'AND': -77, 'ASSIGN': -77, 'AUG_ASSIGN': -77, 'COLON': -77, 'COMMA': -77, 'COMP_OP': -77, 'ELSE': -77, 'IF': -77, 'IN': -77, 'MUL_OP': -77, 'OR': -77, 'RPAR': -77, 'RSQB': -77, 'SEMICOLON': -77, '_NEWLINE': -77},  # 140
    {'ASSIGN': -139, 'AUG_ASSIGN': -139, 'COLON': -139, 'COMMA': -139, 'IN': -139, 'RPAR': -139, 'RSQB': -139, 'SEMICOLON': -139, '_NEWLINE': -139},  # 141
    {'ADD_OP': 1, 'ASSIGN': -59, 'AUG_ASSIGN': -59, 'COLON': -59, 'FALSE': 7, 'IN': -59, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RPAR': -59, 'SEMICOLON': -59, 'STRING': 20, 'TRUE': 21, '_NEWLINE': -59, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 175},  # 142
    {'SEMICOLON': -22, '_NEWLINE': -22},  # 143
    {'SEMICOLON': -28, '_NEWLINE': -28},  # 144
    {'COLON': 176},  # 145
    {'RPAR': 177},  # 146
    {'COLON': 178},  # 147
    {'RPAR': 179},  # 148
    {'COLON': 180},  # 149
    {'_INDENT': 181},  # 150
    {'$END': -55, 'ADD_OP': -55, 'ASSERT': -55, 'BACKWARD': -55, 'BREAK': -55, 'CONTINUE': -55, 'DEF': -55, 'ELIF': -55, 'ELSE': -55, 'FALSE': -55, 'FOR': -55, 'IF': -55, 'INPUT': -55, 'LAMBDA': -55, 'LPAR': -55, 'LSQB': -55, 'NAME': -55, 'NONE': -55, 'NOT': -55, 'NUMBER': -55, 'PASS': -55, 'RETURN': -55, 'STRING': -55, 'TRUE': -55, 'WHILE': -55, 'WITH': -55, '_DEDENT': -55, '_NEWLINE': -55},  # 151
    {'$END': -39, 'ADD_OP': -39, 'ASSERT': -39, 'BACKWARD': -39, 'BREAK': -39, 'CONTINUE': -39, 'DEF': -39, 'ELIF': 182, 'ELSE': 183, 'FALSE': -39, 'FOR': -39, 'IF': -39, 'INPUT': -39, 'LAMBDA': -39, 'LPAR': -39, 'LSQB': -39, 'NAME': -39, 'NONE': -39, 'NOT': -39, 'NUMBER': -39, 'PASS': -39, 'RETURN': -39, 'STRING': -39, 'TRUE': -39, 'WHILE': -39, 'WITH': -39, '_DEDENT': -39, '_NEWLINE': -39, '__if_stmt_star_3': 184, 'elif_clause': 185, 'else_clause': 186},  # 152
    {'SEMICOLON': -18, '_NEWLINE': -18},  # 153
    {'COLON': -53, 'COMMA': -53, 'RPAR': -53},  # 154
    {'COLON': -135, 'COMMA': -135, 'RPAR': -135},  # 155
    {'COLON': -49, 'NAME': 68, 'RPAR': -49, 'param': 187},  # 156
    {'ASSIGN': -64, 'AUG_ASSIGN': -64, 'COLON': -64, 'COMMA': -64, 'IN': -64, 'RPAR': -64, 'RSQB': -64, 'SEMICOLON': -64, '_NEWLINE': -64},  # 157
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RSQB': -121, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 175},  # 158
    {'$END': -42, 'ADD_OP': -42, 'ASSERT': -42, 'BACKWARD': -42, 'BREAK': -42, 'CONTINUE': -42, 'DEF': -42, 'FALSE': -42, 'FOR': -42, 'IF': -42, 'INPUT': -42, 'LAMBDA': -42, 'LPAR': -42, 'LSQB': -42, 'NAME': -42, 'NONE': -42, 'NOT': -42, 'NUMBER': -42, 'PASS': -42, 'RETURN': -42, 'STRING': -42, 'TRUE': -42, 'WHILE': -42, 'WITH': -42, '_DEDENT': -42, '_NEWLINE': -42},  # 159
    {'$END': -44, 'ADD_OP': -44, 'ASSERT': -44, 'BACKWARD': -44, 'BREAK': -44, 'CONTINUE': -44, 'DEF': -44, 'FALSE': -44, 'FOR': -44, 'IF': -44, 'INPUT': -44, 'LAMBDA': -44, 'LPAR': -44, 'LSQB': -44, 'NAME': -44, 'NONE': -44, 'NOT': -44, 'NUMBER': -44, 'PASS': -44, 'RETURN': -44, 'STRING': -44, 'TRUE': -44, 'WHILE': -44, 'WITH': -44, '_DEDENT': -44, '_NEWLINE': -44},  # 160
    {'ADD_OP': 84, 'AND': -142, 'ASSIGN': -142, 'AUG_ASSIGN': -142, 'COLON': -142, 'COMMA': -142, 'COMP_OP': -142, 'ELSE': -142, 'IF': -142, 'IN': -142, 'OR': -142, 'RPAR': -142, 'RSQB': -142, 'SEMICOLON': -142, '_NEWLINE': -142},  # 161
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 188},  # 162
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 189},  # 163
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 124, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RPAR': -88, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'argument': 190, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 128},  # 164
    {'COMMA': 191, 'RPAR': -87},  # 165
    {'ADD_OP': -83, 'AND': -83, 'ASSIGN': -83, 'AUG_ASSIGN': -83, 'COLON': -83, 'COMMA': -83, 'COMP_OP': -83, 'ELSE': -83, 'IF': -83, 'IN': -83, 'LPAR': -83, 'LSQB': -83, 'MUL_OP': -83, 'OR': -83, 'POW': -83, 'RPAR': -83, 'RSQB': -83, 'SEMICOLON': -83, '_NEWLINE': -83},  # 166
    {'ADD_OP': 1, 'COMMA': -109, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RSQB': -109, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 192},  # 167
    {'COLON': 193, 'COMMA': -107, 'RSQB': -107},  # 168
    {'ADD_OP': 1, 'COLON': 129, 'ELLIPSIS': 130, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RSQB': -94, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'slice_index': 131, 'subscript': 194, 'term': 55, 'test': 134},  # 169
    {'COMMA': 195, 'RSQB': -93},  # 170
    {'ADD_OP': -85, 'AND': -85, 'ASSIGN': -85, 'AUG_ASSIGN': -85, 'COLON': -85, 'COMMA': -85, 'COMP_OP': -85, 'ELSE': -85, 'IF': -85, 'IN': -85, 'LPAR': -85, 'LSQB': -85, 'MUL_OP': -85, 'OR': -85, 'POW': -85, 'RPAR': -85, 'RSQB': -85, 'SEMICOLON': -85, '_NEWLINE': -85},  # 171
    {'ADD_OP': 1, 'COLON': 196, 'COMMA': -104, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RSQB': -104, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 197},  # 172
    {'$END': -5, 'ADD_OP': -5, 'ASSERT': -5, 'BACKWARD': -5, 'BREAK': -5, 'CONTINUE': -5, 'DEF': -5, 'ELIF': -5, 'ELSE': -5, 'FALSE': -5, 'FOR': -5, 'IF': -5, 'INPUT': -5, 'LAMBDA': -5, 'LPAR': -5, 'LSQB': -5, 'NAME': -5, 'NONE': -5, 'NOT': -5, 'NUMBER': -5, 'PASS': -5, 'RETURN': -5, 'STRING': -5, 'TRUE': -5, 'WHILE': -5, 'WITH': -5, '_DEDENT': -5, '_NEWLINE': -5},  # 173
    {'SEMICOLON': -130, '_NEWLINE': -130},  # 174
    {'ASSIGN': -140, 'AUG_ASSIGN': -140, 'COLON': -140, 'COMMA': -140, 'IN': -140, 'RPAR': -140, 'RSQB': -140, 'SEMICOLON': -140, '_NEWLINE': -140},  # 175
    {'ADD_OP': 1, 'ASSERT': 2, 'BREAK': 4, 'CONTINUE': 5, 'FALSE': 7, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, '_NEWLINE': 150, '__assign_stmt_plus_2': 25, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'break_stmt': 34, 'comparison': 35, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'simple_stmts': 151, 'small_stmt': 52, 'suite': 198, 'term': 55, 'test': 56, 'testlist': 57},  # 176
    {'COLON': 199},  # 177
    {'ADD_OP': 1, 'ASSERT': 2, 'BREAK': 4, 'CONTINUE': 5, 'FALSE': 7, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, '_NEWLINE': 150, '__assign_stmt_plus_2': 25, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'break_stmt': 34, 'comparison': 35, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'simple_stmts': 151, 'small_stmt': 52, 'suite': 200, 'term': 55, 'test': 56, 'testlist': 57},  # 178
    {'COLON': 201},  # 179
    {'ADD_OP': 1, 'ASSERT': 2, 'BREAK': 4, 'CONTINUE': 5, 'FALSE': 7, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, '_NEWLINE': 150, '__assign_stmt_plus_2': 25, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'break_stmt': 34, 'comparison': 35, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'simple_stmts': 151, 'small_stmt': 52, 'suite': 202, 'term': 55, 'test': 56, 'testlist': 57},  # 180
    {'ADD_OP': 1, 'ASSERT': 2, 'BACKWARD': 3, 'BREAK': 4, 'CONTINUE': 5, 'DEF': 6, 'FALSE': 7, 'FOR': 8, 'IF': 9, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, 'WHILE': 22, 'WITH': 23, '__assign_stmt_plus_2': 25, '__suite_plus_5': 203, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'backwarddef': 33, 'break_stmt': 34, 'comparison': 35, 'compound_stmt': 36, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'for_stmt': 40, 'funcdef': 41, 'if_stmt': 42, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'simple_stmts': 51, 'small_stmt': 52, 'stmt': 204, 'term': 55, 'test': 56, 'testlist': 57, 'while_stmt': 58, 'with_stmt': 59},  # 181
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 205},  # 182
    {'COLON': 206},  # 183
    {'$END': -37, 'ADD_OP': -37, 'ASSERT': -37, 'BACKWARD': -37, 'BREAK': -37, 'CONTINUE': -37, 'DEF': -37, 'ELIF': 182, 'ELSE': 183, 'FALSE': -37, 'FOR': -37, 'IF': -37, 'INPUT': -37, 'LAMBDA': -37, 'LPAR': -37, 'LSQB': -37, 'NAME': -37, 'NONE': -37, 'NOT': -37, 'NUMBER': -37, 'PASS': -37, 'RETURN': -37, 'STRING': -37, 'TRUE': -37, 'WHILE': -37, 'WITH': -37, '_DEDENT': -37, '_NEWLINE': -37, 'elif_clause': 207, 'else_clause': 208},  # 184
    {'$END': -133, 'ADD_OP': -133, 'ASSERT': -133, 'BACKWARD': -133, 'BREAK': -133, 'CONTINUE': -133, 'DEF': -133, 'ELIF': -133, 'ELSE': -133, 'FALSE': -133, 'FOR': -133, 'IF': -133, 'INPUT': -133, 'LAMBDA': -133, 'LPAR': -133, 'LSQB': -133, 'NAME': -133, 'NONE': -133, 'NOT': -133, 'NUMBER': -133, 'PASS': -133, 'RETURN': -133, 'STRING': -133, 'TRUE': -133, 'WHILE': -133, 'WITH': -133, '_DEDENT': -133, '_NEWLINE': -133},  # 185
    {'$END': -38, 'ADD_OP': -38, 'ASSERT': -38, 'BACKWARD': -38, 'BREAK': -38, 'CONTINUE': -38, 'DEF': -38, 'FALSE': -38, 'FOR': -38, 'IF': -38, 'INPUT': -38, 'LAMBDA': -38, 'LPAR': -38, 'LSQB': -38, 'NAME': -38, 'NONE': -38, 'NOT': -38, 'NUMBER': -38, 'PASS': -38, 'RETURN': -38, 'STRING': -38, 'TRUE': -38, 'WHILE': -38, 'WITH': -38, '_DEDENT': -38, '_NEWLINE': -38},  # 186
    {'COLON': -136, 'COMMA': -136, 'RPAR': -136},  # 187
    {'ASSIGN': -62, 'AUG_ASSIGN': -62, 'COLON': -62, 'COMMA': -62, 'IN': -62, 'RPAR': -62, 'RSQB': -62, 'SEMICOLON': -62, '_NEWLINE': -62},  # 188
    {'COMMA': -91, 'RPAR': -91},  # 189
    {'COMMA': -143, 'RPAR': -143},  # 190
    {'ADD_OP': 1, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 124, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RPAR': -86, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'argument': 209, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 128},  # 191
    {'COMMA': -108, 'RSQB': -108},  # 192
    {'ADD_OP': 1, 'COMMA': -106, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RSQB': -106, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 210},  # 193
    {'COMMA': -145, 'RSQB': -145},  # 194
    {'ADD_OP': 1, 'COLON': 129, 'ELLIPSIS': 130, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RSQB': -92, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'slice_index': 131, 'subscript': 211, 'term': 55, 'test': 134},  # 195
    {'ADD_OP': 1, 'COMMA': -103, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RSQB': -103, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 212},  # 196
    {'COLON': 213, 'COMMA': -101, 'RSQB': -101},  # 197
    {'$END': -48, 'ADD_OP': -48, 'ASSERT': -48, 'BACKWARD': -48, 'BREAK': -48, 'CONTINUE': -48, 'DEF': -48, 'FALSE': -48, 'FOR': -48, 'IF': -48, 'INPUT': -48, 'LAMBDA': -48, 'LPAR': -48, 'LSQB': -48, 'NAME': -48, 'NONE': -48, 'NOT': -48, 'NUMBER': -48, 'PASS': -48, 'RETURN': -48, 'STRING': -48, 'TRUE': -48, 'WHILE': -48, 'WITH': -48, '_DEDENT': -48, '_NEWLINE': -48},  # 198
    {'ADD_OP': 1, 'ASSERT': 2, 'BREAK': 4, 'CONTINUE': 5, 'FALSE': 7, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, '_NEWLINE': 150, '__assign_stmt_plus_2': 25, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'break_stmt': 34, 'comparison': 35, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'simple_stmts': 151, 'small_stmt': 52, 'suite': 214, 'term': 55, 'test': 56, 'testlist': 57},  # 199
    {'$END': -46, 'ADD_OP': -46, 'ASSERT': -46, 'BACKWARD': -46, 'BREAK': -46, 'CONTINUE': -46, 'DEF': -46, 'FALSE': -46, 'FOR': -46, 'IF': -46, 'INPUT': -46, 'LAMBDA': -46, 'LPAR': -46, 'LSQB': -46, 'NAME': -46, 'NONE': -46, 'NOT': -46, 'NUMBER': -46, 'PASS': -46, 'RETURN': -46, 'STRING': -46, 'TRUE': -46, 'WHILE': -46, 'WITH': -46, '_DEDENT': -46, '_NEWLINE': -46},  # 200
    {'ADD_OP': 1, 'ASSERT': 2, 'BREAK': 4, 'CONTINUE': 5, 'FALSE': 7, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, '_NEWLINE': 150, '__assign_stmt_plus_2': 25, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'break_stmt': 34, 'comparison': 35, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'simple_stmts': 151, 'small_stmt': 52, 'suite': 215, 'term': 55, 'test': 56, 'testlist': 57},  # 201
    {'$END': -43, 'ADD_OP': -43, 'ASSERT': -43, 'BACKWARD': -43, 'BREAK': -43, 'CONTINUE': -43, 'DEF': -43, 'FALSE': -43, 'FOR': -43, 'IF': -43, 'INPUT': -43, 'LAMBDA': -43, 'LPAR': -43, 'LSQB': -43, 'NAME': -43, 'NONE': -43, 'NOT': -43, 'NUMBER': -43, 'PASS': -43, 'RETURN': -43, 'STRING': -43, 'TRUE': -43, 'WHILE': -43, 'WITH': -43, '_DEDENT': -43, '_NEWLINE': -43},  # 202
    {'ADD_OP': 1, 'ASSERT': 2, 'BACKWARD': 3, 'BREAK': 4, 'CONTINUE': 5, 'DEF': 6, 'FALSE': 7, 'FOR': 8, 'IF': 9, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, 'WHILE': 22, 'WITH': 23, '_DEDENT': 216, '__assign_stmt_plus_2': 25, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'backwarddef': 33, 'break_stmt': 34, 'comparison': 35, 'compound_stmt': 36, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'for_stmt': 40, 'funcdef': 41, 'if_stmt': 42, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'simple_stmts': 51, 'small_stmt': 52, 'stmt': 217, 'term': 55, 'test': 56, 'testlist': 57, 'while_stmt': 58, 'with_stmt': 59},  # 203
    {'ADD_OP': -137, 'ASSERT': -137, 'BACKWARD': -137, 'BREAK': -137, 'CONTINUE': -137, 'DEF': -137, 'FALSE': -137, 'FOR': -137, 'IF': -137, 'INPUT': -137, 'LAMBDA': -137, 'LPAR': -137, 'LSQB': -137, 'NAME': -137, 'NONE': -137, 'NOT': -137, 'NUMBER': -137, 'PASS': -137, 'RETURN': -137, 'STRING': -137, 'TRUE': -137, 'WHILE': -137, 'WITH': -137, '_DEDENT': -137},  # 204
    {'COLON': 218},  # 205
    {'ADD_OP': 1, 'ASSERT': 2, 'BREAK': 4, 'CONTINUE': 5, 'FALSE': 7, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, '_NEWLINE': 150, '__assign_stmt_plus_2': 25, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'break_stmt': 34, 'comparison': 35, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'simple_stmts': 151, 'small_stmt': 52, 'suite': 219, 'term': 55, 'test': 56, 'testlist': 57},  # 206
    {'$END': -134, 'ADD_OP': -134, 'ASSERT': -134, 'BACKWARD': -134, 'BREAK': -134, 'CONTINUE': -134, 'DEF': -134, 'ELIF': -134, 'ELSE': -134, 'FALSE': -134, 'FOR': -134, 'IF': -134, 'INPUT': -134, 'LAMBDA': -134, 'LPAR': -134, 'LSQB': -134, 'NAME': -134, 'NONE': -134, 'NOT': -134, 'NUMBER': -134, 'PASS': -134, 'RETURN': -134, 'STRING': -134, 'TRUE': -134, 'WHILE': -134, 'WITH': -134, '_DEDENT': -134, '_NEWLINE': -134},  # 207
    {'$END': -36, 'ADD_OP': -36, 'ASSERT': -36, 'BACKWARD': -36, 'BREAK': -36, 'CONTINUE': -36, 'DEF': -36, 'FALSE': -36, 'FOR': -36, 'IF': -36, 'INPUT': -36, 'LAMBDA': -36, 'LPAR': -36, 'LSQB': -36, 'NAME': -36, 'NONE': -36, 'NOT': -36, 'NUMBER': -36, 'PASS': -36, 'RETURN': -36, 'STRING': -36, 'TRUE': -36, 'WHILE': -36, 'WITH': -36, '_DEDENT': -36, '_NEWLINE': -36},  # 208
    {'COMMA': -144, 'RPAR': -144},  # 209
    {'COMMA': -105, 'RSQB': -105},  # 210
    {'COMMA': -146, 'RSQB': -146},  # 211
    {'COMMA': -102, 'RSQB': -102},  # 212
    {'ADD_OP': 1, 'COMMA': -100, 'FALSE': 7, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'RSQB': -100, 'STRING': 20, 'TRUE': 21, 'and_test': 27, 'arith': 28, 'atom': 31, 'comparison': 35, 'factor': 39, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'postfix': 48, 'power': 49, 'term': 55, 'test': 220},  # 213
    {'$END': -47, 'ADD_OP': -47, 'ASSERT': -47, 'BACKWARD': -47, 'BREAK': -47, 'CONTINUE': -47, 'DEF': -47, 'FALSE': -47, 'FOR': -47, 'IF': -47, 'INPUT': -47, 'LAMBDA': -47, 'LPAR': -47, 'LSQB': -47, 'NAME': -47, 'NONE': -47, 'NOT': -47, 'NUMBER': -47, 'PASS': -47, 'RETURN': -47, 'STRING': -47, 'TRUE': -47, 'WHILE': -47, 'WITH': -47, '_DEDENT': -47, '_NEWLINE': -47},  # 214
    {'$END': -45, 'ADD_OP': -45, 'ASSERT': -45, 'BACKWARD': -45, 'BREAK': -45, 'CONTINUE': -45, 'DEF': -45, 'FALSE': -45, 'FOR': -45, 'IF': -45, 'INPUT': -45, 'LAMBDA': -45, 'LPAR': -45, 'LSQB': -45, 'NAME': -45, 'NONE': -45, 'NOT': -45, 'NUMBER': -45, 'PASS': -45, 'RETURN': -45, 'STRING': -45, 'TRUE': -45, 'WHILE': -45, 'WITH': -45, '_DEDENT': -45, '_NEWLINE': -45},  # 215
    {'$END': -56, 'ADD_OP': -56, 'ASSERT': -56, 'BACKWARD': -56, 'BREAK': -56, 'CONTINUE': -56, 'DEF': -56, 'ELIF': -56, 'ELSE': -56, 'FALSE': -56, 'FOR': -56, 'IF': -56, 'INPUT': -56, 'LAMBDA': -56, 'LPAR': -56, 'LSQB': -56, 'NAME': -56, 'NONE': -56, 'NOT': -56, 'NUMBER': -56, 'PASS': -56, 'RETURN': -56, 'STRING': -56, 'TRUE': -56, 'WHILE': -56, 'WITH': -56, '_DEDENT': -56, '_NEWLINE': -56},  # 216
    {'ADD_OP': -138, 'ASSERT': -138, 'BACKWARD': -138, 'BREAK': -138, 'CONTINUE': -138, 'DEF': -138, 'FALSE': -138, 'FOR': -138, 'IF': -138, 'INPUT': -138, 'LAMBDA': -138, 'LPAR': -138, 'LSQB': -138, 'NAME': -138, 'NONE': -138, 'NOT': -138, 'NUMBER': -138, 'PASS': -138, 'RETURN': -138, 'STRING': -138, 'TRUE': -138, 'WHILE': -138, 'WITH': -138, '_DEDENT': -138},  # 217
    {'ADD_OP': 1, 'ASSERT': 2, 'BREAK': 4, 'CONTINUE': 5, 'FALSE': 7, 'INPUT': 10, 'LAMBDA': 11, 'LPAR': 12, 'LSQB': 13, 'NAME': 14, 'NONE': 15, 'NOT': 16, 'NUMBER': 17, 'PASS': 18, 'RETURN': 19, 'STRING': 20, 'TRUE': 21, '_NEWLINE': 150, '__assign_stmt_plus_2': 25, 'and_test': 27, 'arith': 28, 'assert_stmt': 29, 'assign_stmt': 30, 'atom': 31, 'augassign_stmt': 32, 'break_stmt': 34, 'comparison': 35, 'continue_stmt': 37, 'expr_stmt': 38, 'factor': 39, 'input_stmt': 43, 'lambdef': 44, 'not_test': 45, 'or_test': 46, 'pass_stmt': 47, 'postfix': 48, 'power': 49, 'return_stmt': 50, 'simple_stmts': 151, 'small_stmt': 52, 'suite': 221, 'term': 55, 'test': 56, 'testlist': 57},  # 218
    {'$END': -41, 'ADD_OP': -41, 'ASSERT': -41, 'BACKWARD': -41, 'BREAK': -41, 'CONTINUE': -41, 'DEF': -41, 'FALSE': -41, 'FOR': -41, 'IF': -41, 'INPUT': -41, 'LAMBDA': -41, 'LPAR': -41, 'LSQB': -41, 'NAME': -41, 'NONE': -41, 'NOT': -41, 'NUMBER': -41, 'PASS': -41, 'RETURN': -41, 'STRING': -41, 'TRUE': -41, 'WHILE': -41, 'WITH': -41, '_DEDENT': -41, '_NEWLINE': -41},  # 219
    {'COMMA': -99, 'RSQB': -99},  # 220
    {'$END': -40, 'ADD_OP': -40, 'ASSERT': -40, 'BACKWARD': -40, 'BREAK': -40, 'CONTINUE': -40, 'DEF': -40, 'ELIF': -40, 'ELSE': -40, 'FALSE': -40, 'FOR': -40, 'IF': -40, 'INPUT': -40, 'LAMBDA': -40, 'LPAR': -40, 'LSQB': -40, 'NAME': -40, 'NONE': -40, 'NOT': -40, 'NUMBER': -40, 'PASS': -40, 'RETURN': -40, 'STRING': -40, 'TRUE': -40, 'WHILE': -40, 'WITH': -40, '_DEDENT': -40, '_NEWLINE': -40},  # 221
)

START_STATE = 0

END_STATE = 53
