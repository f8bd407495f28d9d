/* never closed
package { 'x': }
