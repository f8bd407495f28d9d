$facts = {}
$title = 'x'
$hostname = 'override'
