$a = [3, 1, 2, 1]
$h = { 'b' => 2, 'a' => 1 }
notify { 'collections':
  message => [
    size($a), length('héllo'), empty([]), empty(''), empty($h),
    keys($h), values($h), flatten([1, [2, [3]]]), unique($a), sort($a),
    min(3, 1, 2), max([4, 9]), abs(-5), $a[0], $a[-1], $a[1, 2], $a[5],
    $h['a'], $h['zz'], 'hello'[1, 3], dig({ 'x' => { 'y' => [7] } }, 'x', 'y', 0),
    pick(undef, '', 'picked'), merge({ 'a' => 1 }, { 'b' => 2 }), concat([1], [2], 3),
    has_key($h, 'a'), member($a, 3), 'abc'.reverse, range(1, 3), [1, 2, 3, 4, 5].step(2),
  ],
}
