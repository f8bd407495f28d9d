notify{'x':message=>"a${b}c",}->notify{'y':}
