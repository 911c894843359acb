import ArgumentParser
import SGIngest
import SGModel
import SGReplay
import SGReports

print("sgreplay")
